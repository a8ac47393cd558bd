// The session commands: first run, unlock, recovery, lock.
import { call } from './api';
import type { PassphraseNotice } from './accounts';

export type Role = 'handlaggare' | 'arbetsledare' | 'administrator';

export interface Session {
  username: string;
  displayName: string;
  role: Role;
  units: { id: string; code: string; name: string }[];
  autoLockMinutes: number;
  instrumentProblems: { path: string; messages: string[] }[];
  /** What the check at unlock found wrong with the access log (broken, or rolled back);
   * only for administratör and arbetsledare. */
  auditProblem: { seq: number; reason: string } | null;
  /** Set when the passphrase was chosen by an administratör: the app makes the person
   * choose their own before anything else. */
  mustChangePassphrase?: PassphraseNotice | null;
  /** For an administratör: the last backup is older than `days` days (or there is none). */
  backupReminder?: { lastBackupAt: string | null; days: number } | null;
}

export interface AppInfo {
  version: string;
  dataDir: string;
  initialized: boolean;
  unlocked: boolean;
  unlockWaitSeconds: number;
}

export interface SetupInput {
  adminUsername: string;
  adminDisplayName: string;
  passphrase: string;
  unitCode: string;
  unitName: string;
}

export const appInfo = () => call<AppInfo>('app_info');
export const setupFirstRun = (setup: SetupInput) =>
  call<{ recoveryKey: string; session: Session }>('setup_first_run', { setup });
export const unlock = (username: string, passphrase: string) =>
  call<Session>('unlock', { username, passphrase });
export const unlockRecovery = (recoveryKey: string, username: string, newPassphrase: string) =>
  call<Session>('unlock_recovery', { recoveryKey, username, newPassphrase });
export const lock = () => call<null>('lock');
/** Restores a backup file into the data folder (only while locked) and signs in. */
export const restoreBackup = (file: string, username: string, passphrase: string) =>
  call<Session>('restore_backup', { file, username, passphrase });
/**
 * Tells the shell that the first screen is shown and has the cursor (the start-up benchmark's
 * signal). Fire and forget: a failure here must never disturb the screen.
 */
export const uiReady = (screen: 'unlock' | 'setup') => {
  call<null>('ui_ready', { screen }).catch(() => undefined);
};
export const quit = () => call<null>('quit');
