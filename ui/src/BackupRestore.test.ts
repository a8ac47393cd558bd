import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/svelte';

// Restoring a backup from the unlock screen (the app is locked), and the reminder an
// administratör gets when the last backup is old.
const calls: { cmd: string; args: unknown }[] = [];
let reminder: unknown = null;
let restoreAnswer: unknown = null;
const session = () => ({
  username: 'anna', displayName: 'Anna', role: 'administrator', units: [], autoLockMinutes: 10,
  instrumentProblems: [], auditProblem: null, mustChangePassphrase: null, backupReminder: reminder,
});
vi.mock('@tauri-apps/api/event', () => ({ listen: vi.fn(async () => () => {}) }));
vi.mock('@tauri-apps/api/core', () => ({
  invoke: vi.fn(async (cmd: string, args: unknown) => {
    calls.push({ cmd, args });
    if (cmd === 'app_info') {
      return { version: '0', dataDir: '/d', initialized: true, unlocked: false, unlockWaitSeconds: 0 };
    }
    if (cmd === 'unlock') return session();
    if (cmd === 'restore_backup') {
      if (restoreAnswer) throw restoreAnswer;
      return session();
    }
    if (cmd === 'retention_get') return { completedMonths: 0, draftDays: 0 };
    return null;
  }),
}));

import App from './App.svelte';
import { setLang } from './lib/i18n.svelte';

describe('backups at the lock screen and after sign-in', () => {
  afterEach(cleanup);
  beforeEach(() => {
    setLang('sv');
    calls.length = 0;
    reminder = null;
    restoreAnswer = null;
  });

  it('restores a backup from the unlock screen only after the confirmation', async () => {
    render(App);
    await fireEvent.click(await screen.findByTestId('restore-mode'));
    expect(screen.getByTestId('unlock-title').textContent).toBe('Återställ från säkerhetskopia');
    expect(screen.getByTestId('restore-intro').textContent).toContain('ersätts');
    await fireEvent.input(screen.getByTestId('restore-file'), { target: { value: ' /media/usb/v.varnabackup ' } });
    await fireEvent.input(screen.getByTestId('unlock-username'), { target: { value: 'anna' } });
    await fireEvent.input(screen.getByTestId('restore-passphrase'), { target: { value: 'gammal fras från då 1' } });
    // The confirmation box is required: the form is not valid without it.
    const form = screen.getByTestId('unlock-submit').closest('form')!;
    expect(form.checkValidity()).toBe(false);
    await fireEvent.click(screen.getByTestId('restore-confirm'));
    expect(form.checkValidity()).toBe(true);
    // A wrong passphrase is told in Swedish and nothing else happens.
    restoreAnswer = { code: 'wrong_passphrase', message: 'wrong' };
    await fireEvent.submit(form);
    expect((await screen.findByTestId('error')).textContent).toContain('Fel lösenfras');
    restoreAnswer = null;
    await fireEvent.input(screen.getByTestId('restore-passphrase'), { target: { value: 'gammal fras från då 1' } });
    await fireEvent.submit(form);
    await waitFor(() => screen.getByTestId('signed-in'));
    expect(calls.filter((c) => c.cmd === 'restore_backup').at(-1)?.args).toEqual({
      file: '/media/usb/v.varnabackup', username: 'anna', passphrase: 'gammal fras från då 1',
    });
  });

  it('reminds an administratör when the last backup is old', async () => {
    reminder = { lastBackupAt: '2026-10-01T08:00:00Z', days: 7 };
    render(App);
    await fireEvent.input(await screen.findByTestId('unlock-username'), { target: { value: 'anna' } });
    await fireEvent.input(screen.getByTestId('unlock-passphrase'), { target: { value: 'x'.repeat(12) } });
    await fireEvent.click(screen.getByTestId('unlock-submit'));
    const box = await screen.findByTestId('backup-reminder');
    expect(box.textContent).toContain('2026-10-01 08:00:00 UTC');
    expect(box.textContent).toContain('mer än 7 dagar');
  });

  it('shows no reminder when the backup is recent', async () => {
    render(App);
    await fireEvent.input(await screen.findByTestId('unlock-username'), { target: { value: 'anna' } });
    await fireEvent.input(screen.getByTestId('unlock-passphrase'), { target: { value: 'x'.repeat(12) } });
    await fireEvent.click(screen.getByTestId('unlock-submit'));
    await screen.findByTestId('signed-in');
    expect(screen.queryByTestId('backup-reminder')).toBeNull();
  });
});
