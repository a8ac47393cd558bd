import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/svelte';

const calls: { cmd: string; args: unknown }[] = [];
const answers: Record<string, unknown> = {};
vi.mock('@tauri-apps/api/core', () => ({
  invoke: vi.fn(async (cmd: string, args: unknown) => {
    calls.push({ cmd, args });
    const a = answers[cmd];
    if (a instanceof Error) throw { code: 'forbidden', message: a.message };
    return a;
  }),
}));

import AdminView from './AdminView.svelte';
import { setLang } from '../../lib/i18n.svelte';
import type { Session } from '../../lib/session';

const session = (role: Session['role']): Session => ({
  username: 'anna', displayName: 'Anna', role, units: [], autoLockMinutes: 10, instrumentProblems: [],
});

const row = {
  seq: 7, at: '2026-11-25T10:00:00Z', actorId: 'a1', actorUsername: 'bo', actorName: 'Bo Berg',
  event: 'screening_open', objectKind: 'screening', objectId: 's-1', detail: 'freda-kortfragor-stil@1.0.0',
};

describe('AdminView', () => {
  afterEach(cleanup);
  beforeEach(() => {
    setLang('sv');
    calls.length = 0;
    answers.audit_list = [row];
    answers.audit_verify = { ok: true, rows: 7, firstBroken: null };
    answers.retention_get = { completedMonths: 0, draftDays: 0 };
    answers.retention_preview = [];
  });

  it('lists log rows in Swedish and sends only the filters that were filled in', async () => {
    render(AdminView, { session: session('arbetsledare') });
    await screen.findByText('Bo Berg (bo)');
    expect(screen.getByTestId('log-row').textContent).toContain('Screening öppnad');
    expect(screen.getByTestId('chain-status').textContent).toContain('Loggkedjan är hel (7 rader)');
    await fireEvent.input(screen.getByTestId('log-person'), { target: { value: ' bo ' } });
    await fireEvent.click(screen.getByTestId('log-search'));
    await waitFor(() => expect(calls.filter((c) => c.cmd === 'audit_list').length).toBe(2));
    expect(calls.filter((c) => c.cmd === 'audit_list')[1].args).toEqual({ filter: { person: 'bo' } });
  });

  it('shows the first broken row of a broken chain', async () => {
    answers.audit_verify = { ok: false, rows: 9, firstBroken: { seq: 4, reason: 'row changed' } };
    render(AdminView, { session: session('administrator') });
    await waitFor(() =>
      expect(screen.getByTestId('chain-status').textContent).toContain('bruten vid rad 4: row changed'),
    );
  });

  it('hides retention from an arbetsledare', async () => {
    render(AdminView, { session: session('arbetsledare') });
    await screen.findByText('Bo Berg (bo)');
    expect(screen.queryByTestId('retention-save')).toBeNull();
    expect(calls.some((c) => c.cmd === 'retention_get')).toBe(false);
  });

  it('previews before running retention and runs only after confirmation', async () => {
    answers.retention_preview = [
      { screeningId: 's-9', status: 'completed', instrumentId: 'farlighet-stil', instrumentVersion: '1.0.0', unitCode: 'IFO', completedAt: '2024-01-01T00:00:00Z', since: '2024-01-01T00:00:00Z' },
    ];
    answers.retention_run = { completedRemoved: 1, draftsRemoved: 0, removed: [] };
    render(AdminView, { session: session('administrator') });
    await fireEvent.click(await screen.findByTestId('retention-preview'));
    await screen.findByTestId('retention-item');
    expect(calls.some((c) => c.cmd === 'retention_run')).toBe(false);
    await fireEvent.click(screen.getByTestId('retention-run'));
    expect(calls.some((c) => c.cmd === 'retention_run')).toBe(false);
    await fireEvent.click(screen.getByTestId('retention-confirm'));
    await screen.findByTestId('retention-done');
    expect(screen.getByTestId('retention-done').textContent).toContain('1 slutförda');
  });

  it('writes a backup into the typed folder and shows where', async () => {
    answers.backup_write = { path: '/tmp/x/varna-sakerhetskopia-1.varnabackup', createdAt: '2026-11-25T10:00:00Z', dbBytes: 4096 };
    render(AdminView, { session: session('administrator') });
    await fireEvent.input(await screen.findByTestId('backup-folder'), { target: { value: '/tmp/x' } });
    await fireEvent.click(screen.getByTestId('backup-make'));
    await screen.findByTestId('backup-done');
    expect(calls.find((c) => c.cmd === 'backup_write')?.args).toEqual({ folder: '/tmp/x' });
    expect(screen.getByTestId('backup-done').textContent).toContain('/tmp/x/varna-sakerhetskopia-1.varnabackup');
  });

  it('sets the auto-lock minutes and shows what the core kept', async () => {
    answers.auto_lock_set = 15;
    render(AdminView, { session: session('administrator') });
    await fireEvent.input(await screen.findByTestId('autolock-minutes'), { target: { value: '15' } });
    await fireEvent.click(screen.getByTestId('autolock-save'));
    await screen.findByTestId('autolock-saved');
    expect(calls.find((c) => c.cmd === 'auto_lock_set')?.args).toEqual({ minutes: 15 });
    expect(screen.getByTestId('autolock-saved').textContent).toContain('15 minuter');
  });
});
