import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/svelte';

// The progress of a backup (Administration) and of a restore (the lock screen), fed by the
// shell's `varna://progress` events while the command runs.
type Handler = (e: { payload: unknown }) => void;
const handlers: { name: string; cb: Handler }[] = [];
const unlistened: string[] = [];
vi.mock('@tauri-apps/api/event', () => ({
  listen: vi.fn(async (name: string, cb: Handler) => {
    const h = { name, cb };
    handlers.push(h);
    return () => {
      unlistened.push(name);
      handlers.splice(handlers.indexOf(h), 1);
    };
  }),
}));

let release: ((v: unknown) => void) | null = null;
let fail: ((e: unknown) => void) | null = null;
vi.mock('@tauri-apps/api/core', () => ({
  invoke: vi.fn(async (cmd: string) => {
    if (cmd === 'backup_write' || cmd === 'restore_backup') {
      return new Promise((resolve, reject) => {
        release = resolve;
        fail = reject;
      });
    }
    if (cmd === 'backup_inspect') return { createdAt: '2026-11-25T10:00:00Z', dbBytes: 4096, fileBytes: 5000, schemaVersion: 1, tooNew: false };
    if (cmd === 'retention_get') return { completedMonths: 0, draftDays: 0 };
    if (cmd === 'audit_page') return { items: [], next: null, total: null };
    if (cmd === 'audit_verify') return { ok: true, rows: 0, firstBroken: null };
    if (cmd === 'retention_preview') return [];
    return null;
  }),
}));

import TaskProgress from './TaskProgress.svelte';
import AdminView from '../screens/admin/AdminView.svelte';
import Unlock from '../screens/Unlock.svelte';
import { setLang } from '../lib/i18n.svelte';
import { PROGRESS_EVENT } from '../lib/contract';
import { session as workSession } from '../screens/work/test/fixtures';

const emit = (payload: unknown) => {
  for (const h of [...handlers]) if (h.name === PROGRESS_EVENT) h.cb({ payload });
};
const listening = () => waitFor(() => expect(handlers.some((h) => h.name === PROGRESS_EVENT)).toBe(true));

describe('TaskProgress', () => {
  afterEach(cleanup);
  beforeEach(() => {
    setLang('sv');
    handlers.length = 0;
    unlistened.length = 0;
    release = fail = null;
  });

  it('shows its task in Swedish with the percent and the step, never going back', async () => {
    render(TaskProgress, { task: 'backup' });
    const box = screen.getByTestId('progress-backup');
    expect(document.activeElement).toBe(box);
    expect(box.getAttribute('role')).toBe('status');
    expect(screen.getByTestId('progress-text').textContent).toBe('Säkerhetskopierar …');
    await listening();
    emit({ task: 'backup', step: 'copy', percent: 45 });
    await waitFor(() => expect(screen.getByTestId('progress-text').textContent).toBe('Säkerhetskopierar … 45 %'));
    expect(screen.getByTestId('progress-step').textContent).toContain('Kopierar databasen');
    expect((box.querySelector('progress') as HTMLProgressElement).value).toBe(45);
    // Another task's progress and a late, smaller value are ignored.
    emit({ task: 'restore', step: 'read', percent: 90 });
    emit({ task: 'backup', step: 'copy', percent: 30 });
    emit({ task: 'backup', step: 'write', percent: 60 });
    await waitFor(() => expect(screen.getByTestId('progress-text').textContent).toBe('Säkerhetskopierar … 60 %'));
    expect(screen.getByTestId('progress-step').textContent).toContain('Skriver filen');
  });

  it('speaks English when asked and stops listening when it goes away', async () => {
    setLang('en');
    const { unmount } = render(TaskProgress, { task: 'restore' });
    await listening();
    emit({ task: 'restore', step: 'check', percent: 50 });
    await waitFor(() => expect(screen.getByTestId('progress-text').textContent).toBe('Restoring … 50 %'));
    expect(screen.getByTestId('progress-step').textContent).toContain('Checking');
    unmount();
    expect(unlistened).toEqual([PROGRESS_EVENT]);
  });

  it('shows a backup in Administration while it runs, with the button disabled, then focuses the result', async () => {
    render(AdminView, {
      session: workSession({ username: 'anna', displayName: 'Anna', role: 'administrator', units: [], autoLockMinutes: 10 }),
    });
    await fireEvent.input(await screen.findByTestId('backup-folder'), { target: { value: '/tmp/x' } });
    const button = screen.getByTestId('backup-make') as HTMLButtonElement;
    await fireEvent.click(button);
    await screen.findByTestId('progress-backup');
    expect(button.disabled).toBe(true);
    expect(document.activeElement).toBe(screen.getByTestId('progress-backup'));
    await listening();
    emit({ task: 'backup', step: 'copy', percent: 45 });
    await waitFor(() => expect(screen.getByTestId('progress-text').textContent).toBe('Säkerhetskopierar … 45 %'));
    release!({ path: '/tmp/x/v.varnabackup', createdAt: '2026-11-25T10:00:00Z', dbBytes: 4096 });
    const done = await screen.findByTestId('backup-done');
    await waitFor(() => expect(document.activeElement).toBe(done));
    expect(screen.queryByTestId('progress-backup')).toBeNull();
    expect(button.disabled).toBe(false);
  });

  it('shows a restore on the lock screen while it runs; a failure gives the focus back to the form', async () => {
    render(Unlock, { onUnlocked: () => undefined });
    await fireEvent.click(screen.getByTestId('restore-mode'));
    await fireEvent.input(screen.getByTestId('restore-file'), { target: { value: '/media/usb/v.varnabackup' } });
    await fireEvent.input(screen.getByTestId('unlock-username'), { target: { value: 'anna' } });
    await fireEvent.input(screen.getByTestId('restore-passphrase'), { target: { value: 'gammal fras från då 1' } });
    await fireEvent.click(screen.getByTestId('restore-confirm'));
    const submit = screen.getByTestId('unlock-submit') as HTMLButtonElement;
    await fireEvent.submit(submit.closest('form')!);
    await screen.findByTestId('progress-restore');
    expect(submit.disabled).toBe(true);
    expect((screen.getByTestId('unlock-mode') as HTMLButtonElement).disabled).toBe(true);
    await listening();
    emit({ task: 'restore', step: 'read', percent: 30 });
    await waitFor(() => expect(screen.getByTestId('progress-text').textContent).toBe('Återställer … 30 %'));
    fail!({ code: 'wrong_passphrase', message: 'wrong' });
    await screen.findByTestId('error');
    expect(screen.queryByTestId('progress-restore')).toBeNull();
    await waitFor(() => expect(document.activeElement).toBe(submit));
  });
});
