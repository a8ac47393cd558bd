import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/svelte';

const calls: { cmd: string; args: unknown }[] = [];
let failReady = false;
vi.mock('@tauri-apps/api/core', () => ({
  invoke: vi.fn(async (cmd: string, args: unknown) => {
    calls.push({ cmd, args });
    if (cmd === 'ui_ready' && failReady) throw { code: 'invalid_input', message: 'nope' };
    if (cmd === 'backup_inspect')
      return { createdAt: '2026-11-30T08:15:00Z', dbBytes: 1_000_000, fileBytes: 2_097_152, schemaVersion: 9, tooNew: false };
    if (cmd === 'restore_backup_recovery') throw { code: 'wrong_passphrase', message: 'no' };
    return null;
  }),
}));

import Unlock from './Unlock.svelte';
import Setup from './Setup.svelte';
import { setLang } from '../lib/i18n.svelte';

describe('the first screens', () => {
  afterEach(cleanup);
  beforeEach(() => {
    setLang('sv');
    calls.length = 0;
    failReady = false;
  });

  it('unlock puts the cursor in the user name and reports ready once', async () => {
    render(Unlock, { onUnlocked: () => {}, initialWait: 0 });
    expect(document.activeElement).toBe(screen.getByTestId('unlock-username'));
    await waitFor(() => expect(calls).toEqual([{ cmd: 'ui_ready', args: { screen: 'unlock' } }]));
  });

  it('first run puts the cursor in the name field and reports ready as setup', async () => {
    render(Setup, { onDone: () => {} });
    expect(document.activeElement).toBe(screen.getByTestId('setup-name'));
    await waitFor(() => expect(calls).toEqual([{ cmd: 'ui_ready', args: { screen: 'setup' } }]));
  });

  it('a refused ready signal does not disturb the unlock screen', async () => {
    failReady = true;
    render(Unlock, { onUnlocked: () => {}, initialWait: 0 });
    await waitFor(() => expect(calls.length).toBe(1));
    expect(screen.queryByTestId('error')).toBeNull();
    expect(screen.getByTestId('unlock-title').textContent).not.toBe('');
  });

  it('restore shows the checked file, then restores with the recovery key and a new passphrase', async () => {
    render(Unlock, { onUnlocked: () => {}, initialWait: 0 });
    await fireEvent.click(screen.getByTestId('restore-mode'));
    await fireEvent.input(screen.getByTestId('restore-file'), { target: { value: '/media/usb/v.varnabackup' } });
    await waitFor(() => expect(screen.getByTestId('restore-preview-date').textContent).toBe('2026-11-30 08:15:00 UTC'));
    expect(screen.getByTestId('restore-preview').textContent).toContain('2 MB');
    expect(calls.filter((c) => c.cmd === 'backup_inspect')).toEqual([
      { cmd: 'backup_inspect', args: { file: '/media/usb/v.varnabackup' } },
    ]);
    // The passphrase field gives way to the recovery key and a new passphrase.
    expect(screen.queryByTestId('restore-recovery-key')).toBeNull();
    await fireEvent.click(screen.getByTestId('restore-use-recovery'));
    expect(screen.queryByTestId('restore-passphrase')).toBeNull();
    await fireEvent.input(screen.getByTestId('unlock-username'), { target: { value: ' anna ' } });
    await fireEvent.input(screen.getByTestId('restore-recovery-key'), { target: { value: '123' } });
    await fireEvent.input(screen.getByTestId('restore-new-passphrase'), { target: { value: 'ny lösenfras här' } });
    await fireEvent.click(screen.getByTestId('restore-confirm'));
    await fireEvent.submit(screen.getByTestId('unlock-submit').closest('form')!);
    await waitFor(() => expect(screen.getByTestId('error').textContent).not.toBe(''));
    expect(calls.find((c) => c.cmd === 'restore_backup_recovery')?.args).toEqual({
      file: '/media/usb/v.varnabackup',
      recoveryKey: '123',
      username: 'anna',
      newPassphrase: 'ny lösenfras här',
    });
    expect(calls.some((c) => c.cmd === 'restore_backup')).toBe(false);
  });
});
