import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/svelte';

const calls: { cmd: string; args: unknown }[] = [];
const answers: Record<string, unknown> = {};
vi.mock('@tauri-apps/api/core', () => ({
  invoke: vi.fn(async (cmd: string, args: unknown) => {
    calls.push({ cmd, args });
    const a = answers[cmd];
    if (a instanceof Error) throw { code: (a as Error & { code?: string }).code ?? 'forbidden', message: a.message };
    return a;
  }),
}));

// The shell's events: the test emits them through the listener the view registered.
const listeners = new Map<string, (e: { payload: unknown }) => void>();
vi.mock('@tauri-apps/api/event', () => ({
  listen: vi.fn(async (name: string, f: (e: { payload: unknown }) => void) => {
    listeners.set(name, f);
    return () => listeners.delete(name);
  }),
}));

import AdminView from './AdminView.svelte';
import { setLang } from '../../lib/i18n.svelte';
import type { Session } from '../../lib/session';
import { session as workSession } from '../work/test/fixtures';

const session = (role: Session['role']): Session =>
  workSession({ username: 'anna', displayName: 'Anna', role, units: [], autoLockMinutes: 10 });

const row = {
  seq: 7, at: '2026-11-25T10:00:00Z', actorId: 'a1', actorUsername: 'bo', actorName: 'Bo Berg',
  event: 'screening_open', objectKind: 'screening', objectId: 's-1', detail: 'freda-kortfragor-stil@1.0.0',
};

describe('AdminView', () => {
  afterEach(cleanup);
  beforeEach(() => {
    setLang('sv');
    calls.length = 0;
    answers.audit_page = { items: [row], next: null, total: null };
    answers.audit_status = { ok: true, rows: 7, firstBroken: null };
    answers.audit_verify = { ok: true, rows: 7, firstBroken: null };
    answers.retention_get = { completedMonths: 0, draftDays: 0 };
    answers.retention_preview = [];
    answers.retention_hold = null;
  });

  it('lists log rows in Swedish and sends only the filters that were filled in', async () => {
    render(AdminView, { session: session('arbetsledare') });
    await screen.findByText('Bo Berg (bo)');
    expect(screen.getByTestId('log-row').textContent).toContain('Screening öppnad');
    await waitFor(() => expect(screen.getByTestId('chain-status').textContent).toContain('Loggkedjan är hel (7 rader)'));
    await fireEvent.input(screen.getByTestId('log-person'), { target: { value: ' bo ' } });
    await fireEvent.click(screen.getByTestId('log-search'));
    await waitFor(() => expect(calls.filter((c) => c.cmd === 'audit_page').length).toBe(2));
    expect(calls.filter((c) => c.cmd === 'audit_page')[1].args).toEqual({ filter: { person: 'bo' }, page: {} });
  });

  it('loads the next page of the log with the filter of the search and focuses its first row', async () => {
    answers.audit_page = { items: [{ ...row, seq: 9 }, { ...row, seq: 8 }], next: '8', total: null };
    render(AdminView, { session: session('arbetsledare') });
    await screen.findAllByText('Bo Berg (bo)');
    expect(screen.getByTestId('log-more-count').textContent).toBe('Visar 2, det finns fler');
    // A field edited after the search does not change the pages that follow it.
    await fireEvent.input(screen.getByTestId('log-person'), { target: { value: 'eva' } });
    answers.audit_page = { items: [{ ...row, seq: 7 }], next: null, total: null };
    const button = screen.getByTestId('log-more-button');
    expect(button.tagName).toBe('BUTTON');
    await fireEvent.click(button);
    await waitFor(() => expect(screen.getAllByTestId('log-row')).toHaveLength(3));
    expect(calls.filter((c) => c.cmd === 'audit_page')[1].args).toEqual({ filter: {}, page: { after: '8' } });
    expect(screen.getAllByTestId('log-row').map((r) => r.children[0].textContent)).toHaveLength(3);
    await waitFor(() => expect(document.activeElement).toBe(screen.getAllByTestId('log-row')[2]));
    expect(screen.queryByTestId('log-more-button')).toBeNull();
    expect(screen.getByTestId('log-more-count').textContent).toBe('Visar alla 3');
  });

  it('shows the first broken row of a broken chain found at unlock', async () => {
    answers.audit_status = { ok: false, rows: 9, firstBroken: { seq: 4, reason: 'row changed' } };
    render(AdminView, { session: session('administrator') });
    await waitFor(() =>
      expect(screen.getByTestId('chain-status').textContent).toContain('bruten vid rad 4: row changed'),
    );
    expect(screen.getByTestId('chain-scope').dataset.scope).toBe('unlock');
  });

  it('shows the check made at unlock when it opens, and reads the whole log only when asked', async () => {
    answers.audit_status = { ok: true, rows: 7, firstBroken: null };
    answers.audit_verify = { ok: false, rows: 8, firstBroken: { seq: 2, reason: 'row changed' } };
    render(AdminView, { session: session('arbetsledare') });
    await waitFor(() => expect(screen.getByTestId('chain-status').textContent).toContain('Loggkedjan är hel (7 rader)'));
    expect(screen.getByTestId('chain-scope').textContent).toContain('Kontrollerad vid inloggningen');
    // Opening the tab never reads the whole log (seconds on a large one).
    expect(calls.some((c) => c.cmd === 'audit_verify')).toBe(false);

    let finish: (v: unknown) => void = () => undefined;
    answers.audit_verify = new Promise((r) => (finish = r));
    await fireEvent.click(screen.getByTestId('chain-check'));
    await waitFor(() => expect(screen.getByTestId('chain-status').textContent).toContain('Kontrollerar hela loggen'));
    expect((screen.getByTestId('chain-check') as HTMLButtonElement).disabled).toBe(true);
    finish({ ok: false, rows: 8, firstBroken: { seq: 2, reason: 'row changed' } });
    await waitFor(() => expect(screen.getByTestId('chain-status').textContent).toContain('bruten vid rad 2: row changed'));
    expect(screen.getByTestId('chain-scope').textContent).toContain('Hela loggen kontrollerad nu');
    expect((screen.getByTestId('chain-check') as HTMLButtonElement).disabled).toBe(false);
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

  it('shows how far a retention run has come while it runs, then what it removed', async () => {
    answers.retention_preview = [
      { screeningId: 's-9', status: 'completed', instrumentId: 'farlighet-stil', instrumentVersion: '1.0.0', unitCode: 'IFO', completedAt: '2024-01-01T00:00:00Z', since: '2024-01-01T00:00:00Z' },
    ];
    let finish!: (r: unknown) => void;
    answers.retention_run = new Promise((resolve) => (finish = resolve));
    render(AdminView, { session: session('administrator') });
    await fireEvent.click(await screen.findByTestId('retention-preview'));
    await fireEvent.click(await screen.findByTestId('retention-run'));
    await fireEvent.click(screen.getByTestId('retention-confirm'));
    const box = await screen.findByTestId('retention-progress');
    expect(box.getAttribute('role')).toBe('status');
    expect(box.textContent).toContain('Gallringen startar');
    await waitFor(() => expect(listeners.has('varna://retention-progress')).toBe(true));
    const emit = (done: number, total: number) =>
      listeners.get('varna://retention-progress')!({ payload: { done, total } });
    const text = () => screen.getByTestId('retention-progress').textContent!.replace(/\s+/g, ' ');
    emit(0, 10000);
    await waitFor(() => expect(text()).toContain('Gallrar … 0 av 10 000'));
    emit(1200, 10000);
    await waitFor(() => expect(text()).toContain('Gallrar … 1 200 av 10 000'));
    const bar = screen.getByTestId('retention-progress').querySelector('progress')!;
    expect(bar.value).toBe(1200);
    expect(bar.max).toBe(10000);
    expect(screen.getByTestId('retention-progress').dataset.done).toBe('1200');
    // No second run while this one goes on.
    expect((screen.getByTestId('retention-confirm') as HTMLButtonElement).disabled).toBe(true);
    expect(screen.queryByTestId('retention-done')).toBeNull();
    emit(10000, 10000);
    finish({ completedRemoved: 9000, draftsRemoved: 1000, removed: [] });
    await screen.findByTestId('retention-done');
    expect(screen.getByTestId('retention-done').textContent).toContain('9000 slutförda, 1000 utkast');
    expect(screen.queryByTestId('retention-progress')).toBeNull();
    // The view stops listening once the run has returned.
    expect(listeners.has('varna://retention-progress')).toBe(false);
  });

  it('shows progress in English too', async () => {
    setLang('en');
    answers.retention_hold = {
      heldAt: null,
      warning: { problem: 'behind', now: '2031-03-01T08:00:00Z', reference: '2031-03-02T08:00:00Z' },
      current: null,
      preview: [],
    };
    let finish!: (r: unknown) => void;
    answers.retention_confirm = new Promise((resolve) => (finish = resolve));
    render(AdminView, { session: session('administrator') });
    await fireEvent.click(await screen.findByTestId('retention-held-confirm'));
    await waitFor(() => expect(listeners.has('varna://retention-progress')).toBe(true));
    listeners.get('varna://retention-progress')!({ payload: { done: 400, total: 12000 } });
    await waitFor(() =>
      expect(screen.getByTestId('retention-progress').textContent!.replace(/\s+/g, ' ')).toContain('Removing … 400 of 12,000'),
    );
    answers.retention_hold = null;
    finish({ completedRemoved: 12000, draftsRemoved: 0, removed: [] });
    await screen.findByTestId('retention-held-done');
    expect(screen.queryByTestId('retention-progress')).toBeNull();
  });

  it('shows the new access-log events with Swedish names', async () => {
    answers.audit_page = { items: [
      { ...row, seq: 9, event: 'review_view', detail: 'screening_and_review' },
      { ...row, seq: 8, event: 'retention_held', objectKind: '', objectId: '', detail: 'at unlock: 1 screenings not removed' },
      { ...row, seq: 7, event: 'retention_confirm', objectKind: '', objectId: '', detail: 'the clock…' },
    ], next: null, total: null };
    render(AdminView, { session: session('administrator') });
    await screen.findAllByText('Bo Berg (bo)');
    const cells = screen.getAllByTestId('log-row').map((r) => r.children[2].textContent);
    expect(cells).toEqual(['Granskning visad', 'Gallring pausad (klockan)', 'Gallring bekräftad']);
    const options = Array.from((screen.getByTestId('log-event') as HTMLSelectElement).options).map((o) => o.value);
    expect(options).toEqual(expect.arrayContaining(['review_view', 'retention_held', 'retention_confirm']));
  });

  const held = {
    heldAt: '2031-03-01T08:00:00Z',
    warning: { problem: 'jumped_ahead', now: '2031-03-01T08:00:00Z', reference: '2026-11-20T09:00:00Z' },
    current: { problem: 'jumped_ahead', now: '2031-03-01T08:05:00Z', reference: '2026-11-20T09:00:00Z' },
    preview: [
      { screeningId: 's-7', status: 'completed', instrumentId: 'freda-kortfragor-stil', instrumentVersion: '1.0.0', unitCode: 'IFO', completedAt: '2026-01-01T00:00:00Z', since: '2026-01-01T00:00:00Z' },
    ],
  };

  it('shows a held retention run with its reason and runs it only when confirmed', async () => {
    answers.retention_hold = held;
    answers.retention_confirm = { completedRemoved: 1, draftsRemoved: 0, removed: [] };
    render(AdminView, { session: session('administrator') });
    const box = await screen.findByTestId('retention-held');
    expect(box.textContent).toContain('Gallringen väntar på bekräftelse');
    const reason = screen.getByTestId('retention-held-reason');
    expect(reason.dataset.problem).toBe('jumped_ahead');
    expect(reason.textContent).toContain('mer än 31 dagar efter senaste gången Värna användes (2026-11-20 09:00:00 UTC)');
    expect(box.textContent).toContain('Pausad sedan 2031-03-01 08:00:00 UTC.');
    expect(screen.getByTestId('retention-held-item').dataset.id).toBe('s-7');
    expect(calls.some((c) => c.cmd === 'retention_confirm')).toBe(false);
    // A real, focusable button: reachable with Tab and pressed with Enter or Space.
    const button = screen.getByTestId('retention-held-confirm') as HTMLButtonElement;
    expect(button.tagName).toBe('BUTTON');
    expect(button.type).toBe('button');
    button.focus();
    expect(document.activeElement).toBe(button);
    expect(button.textContent).toContain('Klockan stämmer');
    answers.retention_hold = null;
    await fireEvent.click(button);
    await screen.findByTestId('retention-held-done');
    expect(calls.filter((c) => c.cmd === 'retention_confirm').length).toBe(1);
    expect(screen.getByTestId('retention-held-done').textContent).toContain('Gallrat: 1 slutförda, 0 utkast');
    expect(screen.queryByTestId('retention-held')).toBeNull();
  });

  it('shows the held run when a manual run is refused because of the clock', async () => {
    answers.retention_preview = held.preview;
    answers.retention_run = Object.assign(new Error('clock'), { code: 'conflict' });
    render(AdminView, { session: session('administrator') });
    await fireEvent.click(await screen.findByTestId('retention-preview'));
    await fireEvent.click(await screen.findByTestId('retention-run'));
    answers.retention_hold = { ...held, heldAt: null, warning: { ...held.warning, problem: 'behind' } };
    await fireEvent.click(screen.getByTestId('retention-confirm'));
    const reason = await screen.findByTestId('retention-held-reason');
    expect(calls.find((c) => c.cmd === 'retention_run')?.args).toEqual({ confirmClock: false });
    expect(reason.textContent).toContain('tidigare än den senaste tid som finns sparad');
    expect(screen.getByTestId('retention-held').textContent).toContain('klockan ser fel ut just nu');
    expect(screen.getByTestId('error').dataset.code).toBe('conflict');
  });

  it('never asks an arbetsledare about held retention', async () => {
    answers.retention_hold = held;
    render(AdminView, { session: session('arbetsledare') });
    await screen.findByText('Bo Berg (bo)');
    expect(calls.some((c) => c.cmd === 'retention_hold')).toBe(false);
    expect(screen.queryByTestId('retention-held')).toBeNull();
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
