import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { tick } from 'svelte';
import * as core from '@tauri-apps/api/core';
import { setLang } from '../../lib/i18n.svelte';
import Workspace from './Workspace.svelte';
import { DEF, draft, evaluation, routeInvoke, scenario, SESSION } from './test/fixtures';

vi.mock('@tauri-apps/api/core', () => ({ invoke: vi.fn() }));
const invoke = vi.mocked(core.invoke) as unknown as ReturnType<typeof vi.fn>;
const calls = (cmd: string) => invoke.mock.calls.filter((c) => c[0] === cmd).map((c) => c[1]);

const summary = (id: string, status: 'draft' | 'completed') => ({
  id, instrumentId: DEF.id, instrumentVersion: '1.0.0', instrumentTitle: DEF.title, status,
  unitCode: 'IFO1', personRole: 'barn', conductedOn: '2025-03-01', createdAt: '2025-03-01T09:00:00Z',
  completedAt: status === 'completed' ? '2025-03-01T10:00:00Z' : null, answered: 2, total: 7,
});

const completedAnswers = () => {
  const { answers, evaluation: ev } = scenario('completed_with_hidden');
  const computed = ev.scores[0];
  ev.scores = [{ ...computed, band: 'hog', override: { from: computed.band, to: 'hog', reason: 'Hot med kniv' } }];
  return { answers, evaluation: ev };
};

const completedDoc = () =>
  draft({
    id: 'c1',
    status: 'completed',
    completedAt: '2025-03-01T10:00:00Z',
    // The core's evaluation of these answers (hot no, the follow-up answered while it was
    // shown, a next step), with an override standing in for one the instrument would declare.
    ...completedAnswers(),
    notes: { hot: 'Sa det själv' },
    addenda: [{ id: 'a1', authorName: 'Anna Handläggare', createdAt: '2025-03-02T08:00:00Z', text: 'Första tillägget' }],
  });

beforeEach(() => {
  setLang('sv');
  invoke.mockReset();
});
afterEach(() => cleanup());

describe('Home', () => {
  it('lists my drafts and completed screenings', async () => {
    routeInvoke(invoke, {
      my_screenings: () => ({ drafts: [summary('d1', 'draft')], completed: [summary('c1', 'completed')] }),
    });
    render(Workspace, { props: { session: SESSION } });
    const d = await screen.findByTestId('draft-d1');
    expect(d.textContent).toContain('Testinstrument');
    expect(d.textContent).toContain('Barn');
    expect(d.textContent).toContain('2 av 7 besvarade');
    expect(screen.getByTestId('draft-list').contains(d)).toBe(true);
    expect(screen.getByTestId('completed-list').contains(screen.getByTestId('completed-c1'))).toBe(true);
    expect(screen.getByTestId('new-screening').textContent).toBe('Ny screening');
  });

  it('pages the completed list: a count, "Visa fler" by keyboard, the next page appended', async () => {
    const page = (from: number, n: number) => Array.from({ length: n }, (_, i) => summary(`c${from + i}`, 'completed'));
    routeInvoke(invoke, {
      my_screenings: () => ({
        drafts: [summary('d1', 'draft')], completed: page(1, 50),
        completedNext: 'k50', draftsTotal: 1, completedTotal: 120,
      }),
      my_screenings_page: () => ({ items: page(51, 50), next: 'k100', total: 120 }),
    });
    render(Workspace, { props: { session: SESSION } });
    await screen.findByTestId('completed-c1');
    // The drafts fit on one page: no count line, no button.
    expect(screen.queryByTestId('drafts-more')).toBeNull();
    expect(screen.getByTestId('completed-more-count').textContent).toBe('Visar 50 av 120');
    const more = screen.getByTestId('completed-more-button');
    expect(more.tagName).toBe('BUTTON');
    more.focus();
    await fireEvent.click(more);
    await screen.findByTestId('completed-c100');
    expect(calls('my_screenings_page')).toEqual([{ list: 'completed', page: { after: 'k50' } }]);
    const cards = screen.getByTestId('completed-list').querySelectorAll('[data-testid^="completed-c"]');
    expect(cards).toHaveLength(100);
    expect(cards[50].getAttribute('data-testid')).toBe('completed-c51');
    await waitFor(() => expect(document.activeElement).toBe(screen.getByTestId('completed-c51')));
    expect(screen.getByTestId('completed-more-count').textContent).toBe('Visar 100 av 120');
  });

  it('in English, says "Show more" and counts with English digits', async () => {
    setLang('en');
    routeInvoke(invoke, {
      my_screenings: () => ({
        drafts: [summary('d1', 'draft')], completed: [], draftsNext: 'k1', draftsTotal: 1200, completedTotal: 0,
      }),
    });
    render(Workspace, { props: { session: SESSION } });
    await screen.findByTestId('draft-d1');
    expect(screen.getByTestId('drafts-more-button').textContent).toBe('Show more');
    expect(screen.getByTestId('drafts-more-count').textContent).toBe('Showing 1 of 1,200');
  });

  it('shows a translated error when the list cannot be loaded', async () => {
    routeInvoke(invoke, { my_screenings: () => Promise.reject({ code: 'locked', message: 'locked' }) });
    render(Workspace, { props: { session: SESSION } });
    expect((await screen.findByTestId('error')).textContent).toBe('Värna är låst. Lås upp för att fortsätta.');
  });
});

describe('New screening', () => {
  it('starts with the latest version, the unit, role, date and case reference', async () => {
    routeInvoke(invoke, {
      my_screenings: () => ({ drafts: [], completed: [] }),
      instruments_list: () => [
        { id: 'farlig', version: '1.0.0', sha256: 'x', kind: 'checklist', title: { sv: 'Farlighet' }, description: { sv: 'd' }, latest: false },
        { id: 'farlig', version: '1.1.0', sha256: 'y', kind: 'checklist', title: { sv: 'Farlighet' }, description: { sv: 'd' }, latest: true },
        { id: 'freda', version: '1.0.0', sha256: 'z', kind: 'screening', title: { sv: 'Kortfrågor' }, description: { sv: 'd' }, latest: true },
      ],
      screening_start: () => draft(),
      answer_save: () => ({ savedAt: 'x', evaluation: evaluation() }),
      position_save: () => null,
    });
    render(Workspace, { props: { session: SESSION } });
    await fireEvent.click(await screen.findByTestId('new-screening'));
    const instrument = (await screen.findByTestId('new-instrument')) as HTMLSelectElement;
    await waitFor(() => expect(instrument.value).toBe('freda'));
    expect(screen.getByLabelText('Instrument')).toBe(instrument);
    instrument.value = 'farlig';
    await fireEvent.change(instrument);
    expect((screen.getByTestId('new-version') as HTMLSelectElement).value).toBe('1.1.0');
    expect((screen.getByTestId('new-unit') as HTMLSelectElement).value).toBe('u1');
    const role = screen.getByTestId('new-role') as HTMLSelectElement;
    role.value = 'anhorig';
    await fireEvent.change(role);
    const date = screen.getByTestId('new-date') as HTMLInputElement;
    await fireEvent.input(date, { target: { value: '2025-02-28' } });
    await fireEvent.input(screen.getByTestId('new-case-ref'), { target: { value: ' 2025-123 ' } });
    await fireEvent.click(screen.getByTestId('new-start'));
    await waitFor(() =>
      expect(calls('screening_start')).toEqual([
        { screening: { instrumentId: 'farlig', instrumentVersion: null, unitId: 'u1', personRole: 'anhorig', conductedOn: '2025-02-28', caseRef: '2025-123' } },
      ]),
    );
    await screen.findByTestId('interview');
  });
});

describe('New screening with retired versions', () => {
  it('offers no retired version and no instrument whose versions are all retired', async () => {
    routeInvoke(invoke, {
      my_screenings: () => ({ drafts: [], completed: [] }),
      instruments_list: () => [
        { id: 'farlig', version: '1.0.0', sha256: 'x', kind: 'checklist', title: { sv: 'Farlighet' }, description: { sv: 'd' }, latest: true, retired: false },
        { id: 'farlig', version: '1.1.0', sha256: 'y', kind: 'checklist', title: { sv: 'Farlighet' }, description: { sv: 'd' }, latest: false, retired: true },
        { id: 'gammal', version: '1.0.0', sha256: 'w', kind: 'screening', title: { sv: 'Gammal' }, description: { sv: 'd' }, latest: false, retired: true },
        { id: 'freda', version: '1.0.0', sha256: 'z', kind: 'screening', title: { sv: 'Kortfrågor' }, description: { sv: 'd' }, latest: true, retired: false },
      ],
    });
    render(Workspace, { props: { session: SESSION } });
    await fireEvent.click(await screen.findByTestId('new-screening'));
    const instrument = (await screen.findByTestId('new-instrument')) as HTMLSelectElement;
    await waitFor(() => expect(instrument.value).toBe('freda'));
    expect([...instrument.options].map((o) => o.value)).toEqual(['farlig', 'freda']);
    instrument.value = 'farlig';
    await fireEvent.change(instrument);
    // One version left: no version choice at all.
    expect(screen.queryByTestId('new-version')).toBeNull();
  });
});

describe('Summary and completion', () => {
  it('links each gap to its item and focuses it; completing waits for the gaps', async () => {
    const doc = draft({ position: 'nar' });
    routeInvoke(invoke, {
      my_screenings: () => ({ drafts: [summary('s1', 'draft')], completed: [] }),
      screening_get: () => doc,
      position_save: () => null,
      answer_save: () => ({ savedAt: 'x', evaluation: evaluation() }),
      screening_complete: () => completedDoc(),
      addendum_add: (a) => ({ id: 'a2', authorName: 'Anna Handläggare', createdAt: '2025-03-03T08:00:00Z', text: a?.text }),
    });
    render(Workspace, { props: { session: SESSION } });
    await fireEvent.click(await screen.findByTestId('draft-s1'));
    await fireEvent.click(await screen.findByTestId('to-summary'));
    await screen.findByTestId('summary');
    const gaps = screen.getAllByTestId('gap');
    expect(gaps.map((g) => g.getAttribute('data-key'))).toEqual(['hot', 'steg']);
    expect(gaps[0].textContent).toBe('Hot?');
    expect((screen.getByTestId('complete-confirm') as HTMLButtonElement).disabled).toBe(true);

    await fireEvent.click(gaps[1]);
    await screen.findByTestId('interview');
    await tick();
    await tick();
    const steg = document.querySelector('[data-testid="item"][data-key="steg"]')!;
    expect(document.activeElement).toBe(steg);
    expect(steg.getAttribute('aria-current')).toBe('true');

  });

  it('shows scores, overrides with reasons and outcomes, and completes', async () => {
    const doc = draft({ evaluation: { ...completedDoc().evaluation }, answers: completedDoc().answers });
    routeInvoke(invoke, {
      my_screenings: () => ({ drafts: [summary('s1', 'draft')], completed: [] }),
      screening_get: () => doc,
      position_save: () => null,
      screening_complete: () => completedDoc(),
      addendum_add: (a) => ({ id: 'a2', authorName: 'Anna Handläggare', createdAt: '2025-03-03T08:00:00Z', text: a?.text }),
    });
    render(Workspace, { props: { session: SESSION } });
    await fireEvent.click(await screen.findByTestId('draft-s1'));
    await fireEvent.click(await screen.findByTestId('to-summary'));
    await screen.findByTestId('summary');
    expect(screen.getByTestId('no-gaps')).toBeTruthy();
    expect(screen.getByTestId('band').textContent).toBe('Nivå: Hög');
    expect(screen.getByTestId('override').textContent).toContain('Hög i stället för beräknad Låg');
    expect(screen.getByTestId('override').textContent).toContain('Hot med kniv');
    expect(screen.getByTestId('outcome').textContent).toContain('Negativ');
    const confirm = screen.getByTestId('complete-confirm') as HTMLButtonElement;
    expect(confirm.disabled).toBe(false);
    await fireEvent.click(confirm);
    await waitFor(() => expect(calls('screening_complete')).toEqual([{ id: 's1' }]));
    const view = await screen.findByTestId('completed-view');

    // read-only: no answer controls at all
    expect(view.querySelectorAll('[data-testid="item"]')).toHaveLength(0);
    expect(view.querySelectorAll('[data-option], [data-testid="note"], [data-testid="entry-add"]')).toHaveLength(0);
    expect(screen.queryByTestId('save-status')).toBeNull();
    // the hidden answer is shown as not applicable; the note and list entry are shown
    const foljd = view.querySelector('[data-testid="answer"][data-key="foljd"]')!;
    expect(foljd.textContent).toContain('Ej tillämplig');
    expect(view.querySelector('[data-key="hot"]')!.textContent).toContain('Sa det själv');
    expect(view.querySelector('[data-key="steg"]')!.textContent).toContain('Ring skolan');

    // addenda
    expect(screen.getAllByTestId('addendum')).toHaveLength(1);
    const text = screen.getByTestId('addendum-text') as HTMLTextAreaElement;
    await fireEvent.input(text, { target: { value: 'Rättelse: datumet var fel' } });
    await fireEvent.click(screen.getByTestId('addendum-add'));
    await waitFor(() => expect(screen.getAllByTestId('addendum')).toHaveLength(2));
    expect(calls('addendum_add')).toEqual([{ id: 'c1', text: 'Rättelse: datumet var fel' }]);
    expect(screen.getAllByTestId('addendum')[1].textContent).toContain('Rättelse: datumet var fel');
    expect(text.value).toBe('');
  });

  it('opens a completed screening from the start page read-only', async () => {
    routeInvoke(invoke, {
      my_screenings: () => ({ drafts: [], completed: [summary('c1', 'completed')] }),
      screening_get: () => completedDoc(),
    });
    render(Workspace, { props: { session: SESSION } });
    await fireEvent.click(await screen.findByTestId('completed-c1'));
    const view = await screen.findByTestId('completed-view');
    expect(view.querySelectorAll('[data-testid="item"], [data-option]')).toHaveLength(0);
    expect(screen.queryByTestId('interview')).toBeNull();
  });
});
