// The session commands: first run, unlock, recovery, lock.
import { guard } from './api';
import { commands } from './contract';

// The shapes are generated from the Rust shell and core (./contract.ts, `make contract`).
export type { AppInfo, BackupPreview, Role, Session, SetupInput, SetupResult } from './contract';
import type { AppInfo, SetupInput } from './contract';

export const appInfo = () => guard(commands.appInfo());

/**
 * The `app_info` answer that public/boot.js asked for at parse time, taken once: null when
 * there is none (not in the app, or taken already) or the call failed (the app then asks
 * again through `appInfo`, which reports the error).
 */
export async function takeBootAppInfo(): Promise<AppInfo | null> {
  const w = globalThis as { __varnaBoot?: { appInfo?: Promise<AppInfo> } };
  const pending = w.__varnaBoot?.appInfo;
  w.__varnaBoot = undefined;
  if (!pending) return null;
  try {
    return await pending;
  } catch {
    return null;
  }
}
export const setupFirstRun = (setup: SetupInput) => guard(commands.setupFirstRun(setup));
export const unlock = (username: string, passphrase: string) => guard(commands.unlock(username, passphrase));
export const unlockRecovery = (recoveryKey: string, username: string, newPassphrase: string) =>
  guard(commands.unlockRecovery(recoveryKey, username, newPassphrase));
export const lock = () => guard(commands.lock());
/** Restores a backup file into the data folder (only while locked) and signs in. */
export const restoreBackup = (file: string, username: string, passphrase: string) =>
  guard(commands.restoreBackup(file, username, passphrase));

/** Restores a backup with the recovery key valid when it was made; `username` gets a new passphrase. */
export const restoreBackupRecovery = (file: string, recoveryKey: string, username: string, newPassphrase: string) =>
  guard(commands.restoreBackupRecovery(file, recoveryKey, username, newPassphrase));

/** A chosen backup file, checked (structure and checksum) before anything is replaced. */
export const backupInspect = (file: string) => guard(commands.backupInspect(file));
/**
 * Tells the shell that the first screen is shown and has the cursor (the start-up benchmark's
 * signal). Fire and forget: a failure here must never disturb the screen.
 */
export const uiReady = (screen: 'unlock' | 'setup') => {
  guard(commands.uiReady(screen)).catch(() => undefined);
};
export const quit = () => guard(commands.quit());
