import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import * as core from '@tauri-apps/api/core';
import { setLang } from '../../lib/i18n.svelte';
import { lastTwelveMonths, splitPaths, type StatisticsView } from '../../lib/stats';
import type { Session } from '../../lib/session';
import { session as workSession } from '../work/test/fixtures';
import StatsView from './StatsView.svelte';

vi.mock('@tauri-apps/api/core', () => ({ invoke: vi.fn() }));
// jsdom has no canvas: the chart module is replaced, and the test checks what it is given.
const chartCalls: { months: string[]; labels: Record<string, string> }[] = [];
vi.mock('./statsChart', () => ({
  createMonthChart: (_c: HTMLCanvasElement, months: { month: string }[], labels: Record<string, string>) => {
    chartCalls.push({ months: months.map((m) => m.month), labels });
    return {
      update: (ms: { month: string }[], ls: Record<string, string>) =>
        chartCalls.push({ months: ms.map((m) => m.month), labels: ls }),
      destroy: () => {},
    };
  },
}));
const invoke = vi.mocked(core.invoke) as unknown as ReturnType<typeof vi.fn>;
const calls = (cmd: string) => invoke.mock.calls.filter((c) => c[0] === cmd).map((c) => c[1]);

const session = (role: Session['role']): Session =>
  workSession({ username: 'u', displayName: 'U', role, units: [{ id: 'u1', code: 'IFO', name: 'IFO' }], autoLockMinutes: 10 });

const VIEW: StatisticsView = {
  from: '2025-02', to: '2025-03', threshold: 3, anySuppressed: true, units: ['IFO'], preliminary: '2025-03',
  months: [
    { month: '2025-02', started: 0, completed: 0, reviewed: 0, discarded: 0 },
    { month: '2025-03', started: 7, completed: 5, reviewed: null, discarded: null },
  ],
  rows: [{
    month: '2025-03', unit: 'IFO', unitName: 'Individ- och familjeomsorg', instrument: 'freda-kortfragor-stil',
    version: '1.0.0', instrumentTitle: { sv: 'FREDA-stil kortfrågor', en: 'FREDA-style short questions' },
    started: 7, completed: 5, reviewed: null, discarded: null,
    breakdowns: [
      { measure: 'outcome:screening', category: 'positiv', count: 4 },
      { measure: 'outcome:screening', category: 'negativ', count: null },
      { measure: 'outcome:screening', category: 'avbojd', count: null },
      { measure: 'role', category: 'valdsutsatt', count: 5 },
      { measure: 'role', category: 'barn', count: 0 },
      { measure: 'assessment', category: 'forsta', count: null },
      { measure: 'assessment', category: 'uppfoljning', count: null },
    ],
  }],
};

const written = (json: string) => ({
  jsonPath: json, csvPath: json.replace('.json', '.csv'), rows: 9, installationId: 'x',
  summary: { periodFrom: '2025-02', periodTo: '2025-03', rows: 9,
    sources: [
      { installationId: 'a', from: '2025-02', to: '2025-03', label: null, own: true },
      { installationId: 'b', from: '2025-02', to: '2025-03', label: 'Norr, Karins dator', own: false },
    ] },
});

const ME = { installationId: 'a', publicKey: 'a'.repeat(64), fingerprint: 'AAAA BBBB CCCC DDDD EEEE' };

const incoming = (name: string, status: string, extra: Record<string, unknown> = {}) => ({
  name, problem: null, installationId: name === 'egen.json' ? 'a' : 'b', publicKey: 'b'.repeat(64),
  fingerprint: '1111 2222 3333 4444 5555', status, label: null, trustedFingerprint: null,
  periodFrom: '2025-02', periodTo: '2025-03', sources: [], rows: 4, ...extra,
});

function route(given: Record<string, (args: Record<string, unknown>) => unknown>) {
  const handlers: Record<string, (args: Record<string, unknown>) => unknown> = {
    installation_identity_get: () => ME,
    senders_list: () => [],
    ...given,
  };
  invoke.mockImplementation(async (cmd: string, args: Record<string, unknown>) => {
    const h = handlers[cmd];
    if (!h) throw { code: 'internal', message: `no route for ${cmd}` };
    return h(args);
  });
}

beforeEach(() => {
  setLang('sv');
  invoke.mockReset();
  chartCalls.length = 0;
});
afterEach(() => cleanup());

describe('StatsView', () => {
  it('asks for the last twelve months and shows the table with Swedish labels and "–" for hidden cells and totals', async () => {
    route({ statistics_get: () => VIEW });
    render(StatsView, { session: session('arbetsledare') });
    const row = await screen.findByTestId('stats-row');
    expect(calls('statistics_get')[0]).toEqual(lastTwelveMonths());
    for (const h of ['Månad', 'Enhet', 'Påbörjade', 'Slutförda', 'Granskade', 'Kasserade', 'Utfall', 'Personens roll', 'Första bedömning / uppföljning']) {
      expect(screen.getByRole('columnheader', { name: h })).toBeTruthy();
    }
    expect(row.querySelector('[data-testid="cell-started"]')!.textContent).toBe('7');
    expect(row.querySelector('[data-testid="cell-completed"]')!.textContent).toBe('5');
    expect(row.querySelector('[data-testid="cell-reviewed"]')!.textContent).toBe('–');
    expect(row.querySelector('[data-testid="cell-discarded"]')!.textContent).toBe('–');
    expect(row.textContent).toContain('FREDA-stil kortfrågor 1.0.0');
    const outcome = (c: string) => row.querySelector(`[data-testid="cell-outcome"][data-category="${c}"]`)!.textContent;
    expect(outcome('positiv')).toBe('screening: positiv 4');
    expect(outcome('negativ')).toBe('screening: negativ –');
    expect(row.querySelector('[data-testid="cell-role"][data-category="valdsutsatt"]')!.textContent).toBe('Våldsutsatt 5');
    // First assessments and re-assessments, suppressed like the roles.
    const assessment = (c: string) => row.querySelector(`[data-testid="cell-assessment"][data-category="${c}"]`)!.textContent;
    expect(assessment('forsta')).toBe('Första bedömning –');
    expect(assessment('uppfoljning')).toBe('Uppföljning –');
    expect(screen.getByTestId('stats-legend').textContent).toContain('från 1 till 3');
    // The current month is marked preliminary, in the table and in a note.
    expect(row.querySelector('[data-testid="cell-preliminary"]')!.textContent).toBe('(prel.)');
    expect(screen.getByTestId('stats-preliminary').textContent).toContain('2025-03 är preliminär');
    // How to read the table: months of events, preliminary month, "–" is not zero.
    const howTo = screen.getByTestId('stats-howto').textContent!;
    expect(howTo).toContain('Så läser du tabellen');
    expect(howTo).toContain('i den månad det slutfördes');
    expect(howTo).toContain('inte noll');
    // The chart gets every month of the period and Swedish labels.
    await waitFor(() => expect(chartCalls.length).toBeGreaterThan(0));
    expect(chartCalls.at(-1)!.months).toEqual(['2025-02', '2025-03']);
    expect(chartCalls.at(-1)!.labels.completed).toBe('Slutförda');
    // An arbetsledare has no threshold setting.
    expect(screen.queryByTestId('threshold-input')).toBeNull();
  });

  it('shows the note in English when English is chosen, and no preliminary note for finished months', async () => {
    setLang('en');
    route({ statistics_get: () => ({ ...VIEW, preliminary: null }) });
    render(StatsView, { session: session('arbetsledare') });
    await screen.findByTestId('stats-row');
    expect(screen.getByTestId('stats-howto').textContent).toContain('How to read this');
    expect(screen.queryByTestId('stats-preliminary')).toBeNull();
    expect(screen.queryByTestId('cell-preliminary')).toBeNull();
  });

  it('applies the period filter', async () => {
    route({ statistics_get: () => VIEW });
    render(StatsView, { session: session('arbetsledare') });
    await screen.findByTestId('stats-row');
    await fireEvent.input(screen.getByTestId('stats-from'), { target: { value: '2024-01' } });
    await fireEvent.input(screen.getByTestId('stats-to'), { target: { value: '2024-06' } });
    await fireEvent.click(screen.getByTestId('stats-show'));
    await waitFor(() => expect(calls('statistics_get').at(-1)).toEqual({ from: '2024-01', to: '2024-06' }));
  });

  it('exports to the typed folder and shows the written paths', async () => {
    route({ statistics_get: () => VIEW, export_write: () => written('/home/a/Dokument/varna-export-2024-04-2025-03.json') });
    render(StatsView, { session: session('arbetsledare') });
    await screen.findByTestId('stats-row');
    await fireEvent.click(screen.getByTestId('export-button'));
    expect((await screen.findByTestId('export-json-path')).textContent).toBe('/home/a/Dokument/varna-export-2024-04-2025-03.json');
    expect(screen.getByTestId('export-csv-path').textContent).toBe('/home/a/Dokument/varna-export-2024-04-2025-03.csv');
    expect(calls('export_write')[0]).toEqual({ ...lastTwelveMonths(), folder: null });
    await fireEvent.input(screen.getByTestId('export-folder'), { target: { value: ' /tmp/ut ' } });
    await fireEvent.click(screen.getByTestId('export-button'));
    await waitFor(() => expect(calls('export_write')[1]).toEqual({ ...lastTwelveMonths(), folder: '/tmp/ut' }));
  });

  it('checks chosen files first, merges at once when every sender is trusted, and shows refusals in Swedish', async () => {
    let refuse = true;
    route({
      statistics_get: () => VIEW,
      export_inspect: (a) => (a.paths as string[]).map((p) => incoming(p.split('/').pop()!, 'own')),
      export_import: () => {
        if (refuse) throw { code: 'conflict', message: 'installation x appears twice' };
        return written('/tmp/varna-sammanslagen-2025-02-2025-03.json');
      },
    });
    render(StatsView, { session: session('arbetsledare') });
    await screen.findByTestId('stats-row');
    expect((await screen.findByTestId('own-fingerprint')).textContent).toBe(ME.fingerprint);
    await fireEvent.click(screen.getByTestId('import-button'));
    expect(calls('export_inspect')).toHaveLength(0);
    await fireEvent.input(screen.getByTestId('import-paths'), { target: { value: '"/tmp/a.json"\n\n /tmp/b.json \n' } });
    await fireEvent.click(screen.getByTestId('import-button'));
    const err = await screen.findByTestId('import-error');
    expect(err.querySelector('[data-code]')!.getAttribute('data-code')).toBe('conflict');
    expect(calls('export_inspect')[0]).toEqual({ paths: ['/tmp/a.json', '/tmp/b.json'] });
    expect(calls('export_import')[0]).toEqual({ paths: ['/tmp/a.json', '/tmp/b.json'], folder: null });
    refuse = false;
    await fireEvent.click(screen.getByTestId('import-button'));
    const done = await screen.findByTestId('import-done');
    expect(done.textContent).toContain('2025-02 – 2025-03 (2 datorer)');
    const sources = screen.getAllByTestId('import-source').map((e) => e.textContent);
    expect(sources).toEqual(['Den här datorn: 2025-02 – 2025-03', 'Norr, Karins dator: 2025-02 – 2025-03']);
  });

  it('does not merge a file from an unknown sender until the fingerprint is confirmed and trusted', async () => {
    let trusted = false;
    route({
      statistics_get: () => VIEW,
      export_inspect: () => [
        incoming('egen.json', 'own'),
        trusted ? incoming('norr.json', 'trusted', { label: 'Norr' }) : incoming('norr.json', 'unknown'),
      ],
      sender_trust: () => {
        trusted = true;
        return {};
      },
      export_import: () => written('/tmp/m.json'),
    });
    render(StatsView, { session: session('arbetsledare') });
    await screen.findByTestId('stats-row');
    await fireEvent.input(screen.getByTestId('import-paths'), { target: { value: '/tmp/egen.json\n/tmp/norr.json' } });
    await fireEvent.click(screen.getByTestId('import-button'));
    const rows = await screen.findAllByTestId('import-file');
    expect(rows.map((r) => r.getAttribute('data-status'))).toEqual(['own', 'unknown']);
    expect(rows[1].textContent).toContain('Okänd avsändare');
    expect(rows[1].textContent).toContain('1111 2222 3333 4444 5555');
    expect(screen.getByTestId('import-blocked')).toBeTruthy();
    expect(calls('export_import')).toHaveLength(0);

    await fireEvent.click(screen.getByTestId('import-trust'));
    expect(screen.getByTestId('trust-fingerprint').textContent).toBe('1111 2222 3333 4444 5555');
    const save = screen.getByTestId('trust-save') as HTMLButtonElement;
    expect(save.disabled).toBe(true);
    await fireEvent.input(screen.getByTestId('trust-label'), { target: { value: 'Norr' } });
    await fireEvent.click(screen.getByTestId('trust-confirm'));
    expect(save.disabled).toBe(false);
    await fireEvent.submit(screen.getByTestId('trust-form'));
    await waitFor(() => expect(calls('sender_trust')[0]).toEqual({ installationId: 'b', publicKey: 'b'.repeat(64), label: 'Norr' }));
    await waitFor(() => expect(screen.getAllByTestId('import-file')[1].getAttribute('data-status')).toBe('trusted'));
    await fireEvent.click(screen.getByTestId('import-merge'));
    await screen.findByTestId('import-done');
    expect(calls('export_import')).toHaveLength(1);
    // The list of trusted senders was reloaded after the trust.
    await waitFor(() => expect(calls('senders_list').length).toBeGreaterThanOrEqual(2));
  });

  it('warns that a re-keyed file may be forged, shows both fingerprints and lists withdrawable senders', async () => {
    route({
      statistics_get: () => VIEW,
      export_inspect: () => [incoming('norr.json', 'key_changed', { label: 'Norr', trustedFingerprint: '9999 8888 7777 6666 5555' })],
      senders_list: () => [{
        installationId: 'b', publicKey: 'c'.repeat(64), fingerprint: '9999 8888 7777 6666 5555', label: 'Norr',
        trustedAt: '2025-01-02T10:00:00Z', trustedBy: 'Arne', revokedAt: null, revokedBy: null,
      }],
      sender_untrust: () => null,
    });
    render(StatsView, { session: session('arbetsledare') });
    await screen.findByTestId('stats-row');
    await fireEvent.input(screen.getByTestId('import-paths'), { target: { value: '/tmp/norr.json' } });
    await fireEvent.click(screen.getByTestId('import-button'));
    const warning = await screen.findByTestId('import-key-changed');
    expect(warning.textContent).toContain('9999 8888 7777 6666 5555');
    expect(warning.textContent).toContain('förfalskad');
    expect(calls('export_import')).toHaveLength(0);
    const row = await screen.findByTestId('sender-row');
    expect(row.textContent).toContain('Arne, 2025-01-02');
    await fireEvent.click(screen.getByTestId('sender-untrust'));
    await fireEvent.click(screen.getByTestId('sender-untrust-confirm'));
    await waitFor(() => expect(calls('sender_untrust')[0]).toEqual({ installationId: 'b' }));
  });

  it('lets an administratör change the threshold and reloads', async () => {
    route({ statistics_get: () => VIEW, settings_threshold_set: (a) => a.value });
    render(StatsView, { session: session('administrator') });
    await screen.findByTestId('stats-row');
    const input = screen.getByTestId('threshold-input') as HTMLInputElement;
    expect(input.value).toBe('3');
    await fireEvent.input(input, { target: { value: '5' } });
    await fireEvent.click(screen.getByTestId('threshold-save'));
    await waitFor(() => expect(calls('settings_threshold_set')[0]).toEqual({ value: 5 }));
    await waitFor(() => expect(calls('statistics_get').length).toBe(2));
  });

  it('shows a refusal when the core forbids statistics', async () => {
    route({ statistics_get: () => { throw { code: 'forbidden', message: 'no' }; } });
    render(StatsView, { session: session('arbetsledare') });
    await waitFor(() => expect(document.querySelector('[data-code="forbidden"]')).not.toBeNull());
    expect(screen.queryByTestId('stats-table')).toBeNull();
  });
});

describe('splitPaths', () => {
  it('keeps one path per line without quotes', () => {
    expect(splitPaths('"C:\\a b\\x.json"\r\n/tmp/y.json\n\n')).toEqual(['C:\\a b\\x.json', '/tmp/y.json']);
  });
});
