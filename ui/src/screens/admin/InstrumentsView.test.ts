import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';

const calls: { cmd: string; args: unknown }[] = [];
const answers: Record<string, unknown> = {};
vi.mock('@tauri-apps/api/core', () => ({
  invoke: vi.fn(async (cmd: string, args: unknown) => {
    calls.push({ cmd, args });
    const a = answers[cmd];
    if (a instanceof Error) throw { code: (a as Error & { code?: string }).code ?? 'forbidden', message: a.message };
    return typeof a === 'function' ? (a as () => unknown)() : a;
  }),
}));

import InstrumentsView from './InstrumentsView.svelte';
import { setLang } from '../../lib/i18n.svelte';

const entry = (over: Record<string, unknown>) => ({
  id: 'freda-kortfragor-stil', version: '1.0.0', kind: 'screening', title: { sv: 'Kortfrågor om våld', en: 'Short questions' },
  sha256: 'ab'.repeat(32), origin: 'shipped', source: { sv: 'Värna' }, licence: { sv: 'EUPL-1.2' }, retiredAt: null,
  latest: true, screenings: 3, ...over,
});
const FREDA = entry({});
const EGEN = entry({ id: 'egen-fragor', title: { sv: 'Egna frågor' }, origin: 'organisation', licence: { sv: 'Internt bruk' }, screenings: 0 });
const OLD = entry({ id: 'egen-fragor', version: '0.9.0', title: { sv: 'Egna frågor' }, origin: 'organisation', retiredAt: '2026-11-02T10:00:00Z', latest: false });
const BAD = { path: '/data/instruments/trasig/1.0.0.toml', messages: ['/data/instruments/trasig/1.0.0.toml:7:1: unknown key `requird`'] };
const of = (cmd: string) => calls.filter((c) => c.cmd === cmd).map((c) => c.args);
const PREVIEW = {
  id: 'egen-fragor', version: '1.0.0', kind: 'screening', title: { sv: 'Egna frågor' }, description: { sv: 'd' },
  source: { sv: 's' }, licence: { sv: 'Internt bruk' }, sha256: 'cd'.repeat(32), sections: [{ sv: 'Frågor' }], items: 2,
  scores: [], outcomes: [{ sv: 'Utfall' }],
};

describe('InstrumentsView', () => {
  afterEach(cleanup);
  beforeEach(() => {
    setLang('sv');
    calls.length = 0;
    for (const k of Object.keys(answers)) delete answers[k];
    answers.instrument_library = { folder: '/data/instruments', entries: [FREDA, OLD], problems: [BAD] };
  });

  it('lists every version with kind, source, licence, hash, status, and the files with errors', async () => {
    render(InstrumentsView);
    const rows = await screen.findAllByTestId('instrument-row');
    expect(rows.map((r) => `${r.dataset.id}@${r.dataset.version}`)).toEqual(['freda-kortfragor-stil@1.0.0', 'egen-fragor@0.9.0']);
    expect(rows[0].textContent).toContain('Följer med Värna');
    expect(rows[0].textContent).toContain('screening');
    expect(rows[0].textContent).toContain('EUPL-1.2');
    expect(rows[0].textContent).toContain('abababababab');
    expect(rows[0].textContent).toContain('I bruk (senaste)');
    expect(rows[1].textContent).toContain('Organisationens mapp');
    expect(rows[1].textContent).toContain('Pensionerad 2026-11-02');
    expect(within(rows[1]).getByTestId('instrument-reactivate').textContent).toBe('Återaktivera');
    expect(within(rows[0]).getByTestId('instrument-retire').textContent).toBe('Pensionera');
    const problem = screen.getByTestId('instrument-problem');
    expect(problem.textContent).toContain('/data/instruments/trasig/1.0.0.toml:7:1: unknown key `requird`');
    expect(screen.getByText('Organisationens instrumentmapp: /data/instruments')).toBeTruthy();
  });

  it('shows the errors of a broken file with their lines and offers no way to add it', async () => {
    answers.instrument_file_check = {
      path: '/home/anna/egen.toml', preview: null, target: null,
      problems: ['/home/anna/egen.toml:17:1: unknown key `requird`'],
    };
    render(InstrumentsView);
    await screen.findAllByTestId('instrument-row');
    await fireEvent.input(screen.getByTestId('instrument-path'), { target: { value: ' /home/anna/egen.toml ' } });
    await fireEvent.submit(screen.getByTestId('instrument-check').closest('form')!);
    const problem = await screen.findByTestId('instrument-file-problem');
    expect(problem.textContent).toBe('/home/anna/egen.toml:17:1: unknown key `requird`');
    expect(of('instrument_file_check')).toEqual([{ path: '/home/anna/egen.toml' }]);
    expect(screen.getByTestId('instrument-result').textContent).toContain('Filen kan inte läggas till');
    expect(screen.queryByTestId('instrument-add')).toBeNull();
    await waitFor(() => expect(document.activeElement?.tagName).toBe('H4'));
  });

  it('previews a valid file and adds it only on accept, then lists it', async () => {
    answers.instrument_file_check = { path: '/home/anna/egen.toml', preview: PREVIEW, problems: [], target: '/data/instruments/egen-fragor/1.0.0.toml' };
    answers.instrument_file_add = () => {
      answers.instrument_library = { folder: '/data/instruments', entries: [FREDA, OLD, EGEN], problems: [] };
      return { id: 'egen-fragor', version: '1.0.0', sha256: 'cd'.repeat(32), path: '/data/instruments/egen-fragor/1.0.0.toml' };
    };
    render(InstrumentsView);
    await screen.findAllByTestId('instrument-row');
    await fireEvent.input(screen.getByTestId('instrument-path'), { target: { value: '/home/anna/egen.toml' } });
    await fireEvent.submit(screen.getByTestId('instrument-check').closest('form')!);
    const preview = await screen.findByTestId('instrument-preview');
    expect(preview.textContent).toContain('Egna frågor');
    expect(preview.textContent).toContain('Frågor');
    expect(preview.textContent).toContain('Utfall');
    expect(preview.textContent).toMatch(/Antal frågor\s*2/);
    expect(preview.textContent).toMatch(/Poäng\s*inga/);
    expect(screen.getByTestId('instrument-result').textContent).toContain('Kopieras till /data/instruments/egen-fragor/1.0.0.toml');
    expect(of('instrument_file_add')).toEqual([]);
    await fireEvent.click(screen.getByTestId('instrument-add'));
    await waitFor(() => expect(screen.getByTestId('instruments-status').textContent).toContain('egen-fragor 1.0.0 är tillagt'));
    expect(of('instrument_file_add')).toEqual([{ path: '/home/anna/egen.toml' }]);
    const rows = screen.getAllByTestId('instrument-row');
    expect(rows.map((r) => `${r.dataset.id}@${r.dataset.version}`)).toContain('egen-fragor@1.0.0');
    expect(screen.queryByTestId('instrument-result')).toBeNull();
    expect(screen.getByText('Alla filer gick att läsa in.')).toBeTruthy();
  });

  it('says in Swedish why a version already in the library cannot be added', async () => {
    answers.instrument_file_check = { path: '/x.toml', preview: PREVIEW, problems: [], target: '/t' };
    answers.instrument_file_add = Object.assign(new Error('already in the library'), { code: 'conflict' });
    render(InstrumentsView);
    await screen.findAllByTestId('instrument-row');
    await fireEvent.input(screen.getByTestId('instrument-path'), { target: { value: '/x.toml' } });
    await fireEvent.submit(screen.getByTestId('instrument-check').closest('form')!);
    await fireEvent.click(await screen.findByTestId('instrument-add'));
    expect((await screen.findByTestId('instruments-error')).textContent).toContain('nytt versionsnummer');
  });

  it('retires and reactivates a version', async () => {
    answers.instrument_retired_set = null;
    render(InstrumentsView);
    const rows = await screen.findAllByTestId('instrument-row');
    await fireEvent.click(within(rows[0]).getByTestId('instrument-retire'));
    await waitFor(() => expect(screen.getByTestId('instruments-status').textContent).toContain('är pensionerad'));
    await fireEvent.click(within(screen.getAllByTestId('instrument-row')[1]).getByTestId('instrument-reactivate'));
    await waitFor(() => expect(screen.getByTestId('instruments-status').textContent).toContain('är återaktiverad'));
    expect(of('instrument_retired_set')).toEqual([
      { id: 'freda-kortfragor-stil', version: '1.0.0', retired: true },
      { id: 'egen-fragor', version: '0.9.0', retired: false },
    ]);
  });
});
