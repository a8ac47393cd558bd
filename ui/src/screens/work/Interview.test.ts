import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { tick } from 'svelte';
import * as core from '@tauri-apps/api/core';
import { setLang } from '../../lib/i18n.svelte';
import { flushAll } from '../../lib/flush';
import type { ScreeningDoc } from '../../lib/screening';
import Workspace from './Workspace.svelte';
import { deferred, draft, evaluation, routeInvoke, scenario, SESSION } from './test/fixtures';

vi.mock('@tauri-apps/api/core', () => ({ invoke: vi.fn() }));
const invoke = vi.mocked(core.invoke) as unknown as ReturnType<typeof vi.fn>;

/** The core's answer to a save; `position`: where an answer moved the interview on, if it did. */
const saved = (ev = evaluation(), position: string | null = null) => ({ savedAt: '2025-03-01T10:00:00Z', evaluation: ev, position });

function calls(cmd: string) {
  return invoke.mock.calls.filter((c) => c[0] === cmd).map((c) => c[1]);
}

function group(key: string): HTMLElement {
  const el = document.querySelector<HTMLElement>(`[data-testid="item"][data-key="${key}"]`);
  if (!el) throw new Error(`no item ${key}`);
  return el;
}

/** Opens `doc` as a draft from the start page; extra handlers override the defaults. */
async function openDraft(doc: ScreeningDoc, handlers: Record<string, (a: Record<string, unknown> | undefined) => unknown> = {}) {
  routeInvoke(invoke, {
    my_screenings: () => ({
      drafts: [{ id: doc.id, instrumentId: doc.instrumentId, instrumentVersion: doc.instrumentVersion,
        instrumentTitle: doc.definition.title, status: 'draft', unitCode: 'IFO1', personRole: 'valdsutsatt',
        conductedOn: doc.conductedOn, createdAt: doc.createdAt, completedAt: null, answered: 0, total: 7 }],
      completed: [],
    }),
    screening_get: () => structuredClone(doc),
    answer_save: () => saved(),
    note_save: () => saved(),
    position_save: () => null,
    ...handlers,
  });
  render(Workspace, { props: { session: SESSION } });
  await fireEvent.click(await screen.findByTestId(`draft-${doc.id}`));
  await screen.findByTestId('interview');
  await tick();
  await tick();
}

async function press(el: Element, key: string, init: KeyboardEventInit = {}) {
  await fireEvent.keyDown(el, { key, ...init });
  await tick();
}

beforeEach(() => {
  setLang('sv');
  invoke.mockReset();
});
afterEach(() => {
  cleanup();
  vi.useRealTimers();
});

describe('Interview keyboard', () => {
  it('restores focus to the stored position', async () => {
    await openDraft(draft({ position: 'nar' }));
    expect(group('nar').getAttribute('aria-current')).toBe('true');
    expect(document.activeElement).toBe(group('nar'));
  });

  it('focuses the first visible item of a fresh draft', async () => {
    await openDraft(draft());
    expect(document.activeElement).toBe(group('hot'));
    expect(group('hot').getAttribute('aria-current')).toBe('true');
  });

  it('J, N and V answer the focused yes/no item', async () => {
    await openDraft(draft());
    await press(group('hot'), 'j');
    await waitFor(() => expect(calls('answer_save')).toHaveLength(1));
    expect(calls('answer_save')[0]).toEqual({ id: 's1', key: 'hot', value: { type: 'yes_no', value: true } });
    await press(group('hot'), 'n');
    await press(group('hot'), 'v');
    await waitFor(() => expect(calls('answer_save')).toHaveLength(3));
    expect(calls('answer_save')[1]).toEqual({ id: 's1', key: 'hot', value: { type: 'yes_no', value: false } });
    expect(calls('answer_save')[2]).toEqual({ id: 's1', key: 'hot', value: { type: 'declined' } });
    expect(group('hot').querySelector('[data-option="declined"]')?.getAttribute('aria-pressed')).toBe('true');
  });

  it('shows the key hints on the buttons', async () => {
    await openDraft(draft());
    expect(group('hot').querySelector('[data-option="yes"]')?.textContent).toContain('J');
    expect(group('hot').querySelector('[data-option="declined"]')?.textContent).toContain('V');
    expect(group('nar').querySelector('[data-option="tidigare"]')?.textContent).toContain('2');
  });

  it('digits choose options, rating codes and scale values', async () => {
    await openDraft(draft());
    await press(group('nar'), '2');
    await press(group('faktor#tidigare'), '?');
    await press(group('faktor#nu'), '3');
    await press(group('sakerhet@worker'), '7');
    await waitFor(() => expect(calls('answer_save')).toHaveLength(4));
    expect(calls('answer_save')).toEqual([
      { id: 's1', key: 'nar', value: { type: 'choice', value: 'tidigare' } },
      { id: 's1', key: 'faktor#tidigare', value: { type: 'choice', value: 'mojligen' } },
      { id: 's1', key: 'faktor#nu', value: { type: 'choice', value: 'j' } },
      { id: 's1', key: 'sakerhet@worker', value: { type: 'integer', value: 7 } },
    ]);
  });

  it('two quick digits give 10 on a 0–10 scale, one digit alone waits and then saves', async () => {
    await openDraft(draft());
    vi.useFakeTimers();
    await press(group('sakerhet@worker'), '1');
    await press(group('sakerhet@worker'), '0');
    await vi.advanceTimersByTimeAsync(1000);
    await press(group('sakerhet@worker'), '1');
    expect(calls('answer_save')).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1000);
    expect(calls('answer_save')).toEqual([
      { id: 's1', key: 'sakerhet@worker', value: { type: 'integer', value: 10 } },
      { id: 's1', key: 'sakerhet@worker', value: { type: 'integer', value: 1 } },
    ]);
  });

  it('typing in a text field never triggers shortcuts', async () => {
    await openDraft(draft());
    const note = group('hot').querySelector('[data-testid="note"]')!;
    await press(note, 'j');
    await press(note, '1');
    const text = group('anteckning').querySelector('textarea[data-primary]')!;
    await press(text, 'n');
    expect(calls('answer_save')).toHaveLength(0);
  });

  it('Enter and arrows move between visible items and save the position', async () => {
    await openDraft(draft());
    await press(group('hot'), 'Enter');
    // `foljd` is hidden, so the next item is `nar`
    expect(document.activeElement).toBe(group('nar'));
    await press(group('nar'), 'ArrowDown');
    expect(document.activeElement).toBe(group('faktor#nu'));
    await press(group('faktor#nu'), 'ArrowUp');
    expect(document.activeElement).toBe(group('nar'));
    await waitFor(() => expect(calls('position_save')).toContainEqual({ id: 's1', key: 'nar' }), { timeout: 1500 });
  });

  it('an answer saves the position itself; the focus save is for navigation only', async () => {
    // The core answers that the yes/no answer moved the position on (to the next item).
    await openDraft(draft(), { answer_save: () => saved(evaluation(), 'nar') });
    expect(document.activeElement).toBe(group('hot'));
    await press(group('hot'), 'j');
    await waitFor(() => expect(calls('answer_save')).toHaveLength(1));
    // The focus settled on `hot` before the answer: the answer's transaction stores where the
    // interview goes on, so the debounced save of `hot` must not overwrite it afterwards.
    await new Promise((r) => setTimeout(r, 450));
    expect(calls('position_save')).toEqual([]);
    await press(group('hot'), 'Enter');
    await waitFor(() => expect(calls('position_save')).toEqual([{ id: 's1', key: 'nar' }]), { timeout: 1500 });
  });

  it('an answer waits for a position save in flight, so they reach the core in order', async () => {
    const pos = deferred<null>();
    await openDraft(draft(), { position_save: () => pos.promise });
    // The focus save of `hot` (from opening the draft) is sent and has not returned.
    await waitFor(() => expect(calls('position_save')).toEqual([{ id: 's1', key: 'hot' }]), { timeout: 1500 });
    await press(group('hot'), 'j');
    await new Promise((r) => setTimeout(r, 50));
    expect(calls('answer_save')).toHaveLength(0);
    pos.resolve(null);
    await waitFor(() => expect(calls('answer_save')).toHaveLength(1));
  });

  it('Enter on an option button chooses it and goes on', async () => {
    await openDraft(draft());
    const no = group('hot').querySelector<HTMLElement>('[data-option="no"]')!;
    no.focus();
    await press(no, 'Enter');
    await waitFor(() => expect(calls('answer_save')).toHaveLength(1));
    expect(calls('answer_save')[0]).toEqual({ id: 's1', key: 'hot', value: { type: 'yes_no', value: false } });
    expect(document.activeElement).toBe(group('nar'));
  });
});

describe('Saving', () => {
  it('shows "Sparat" only after the command resolved', async () => {
    const d = deferred<unknown>();
    await openDraft(draft(), { answer_save: () => d.promise });
    const status = screen.getByTestId('save-status');
    expect(status.textContent).not.toBe('Sparat');
    await press(group('hot'), 'j');
    await tick();
    expect(status.textContent).toBe('Sparar …');
    d.resolve(saved());
    await waitFor(() => expect(status.textContent).toBe('Sparat'));
  });

  it('does not show "Sparat" when the command rejects, and reverts the answer', async () => {
    await openDraft(draft(), {
      answer_save: () => Promise.reject({ code: 'invalid_input', message: 'item `hot`: nope' }),
    });
    await press(group('hot'), 'j');
    const status = screen.getByTestId('save-status');
    await waitFor(() => expect(status.textContent).toBe('Kunde inte spara'));
    expect(status.getAttribute('data-state')).toBe('error');
    expect(screen.getByRole('alert').textContent).toContain('item `hot`: nope');
    expect(group('hot').querySelector('[data-option="yes"]')?.getAttribute('aria-pressed')).toBe('false');
  });

  it('saves in order: the evaluation of the last answer wins', async () => {
    const first = deferred<unknown>();
    let n = 0;
    await openDraft(draft(), {
      answer_save: () => (++n === 1 ? first.promise : saved(evaluation({ visibleItems: ['hot', 'nar', 'faktor', 'sakerhet', 'anteckning', 'steg'] }))),
    });
    await press(group('hot'), 'j');
    await press(group('hot'), 'n');
    // the second save waits for the first
    expect(calls('answer_save')).toHaveLength(1);
    first.resolve(saved(evaluation({ visibleItems: ['hot', 'foljd', 'nar', 'faktor', 'sakerhet', 'anteckning', 'steg'] })));
    await waitFor(() => expect(calls('answer_save')).toHaveLength(2));
    await waitFor(() => expect(screen.getByTestId('save-status').textContent).toBe('Sparat'));
    expect(document.querySelector('[data-key="foljd"]')).toBeNull();
  });

  it('debounces notes: one note_save 500 ms after typing stops', async () => {
    await openDraft(draft());
    vi.useFakeTimers();
    const note = group('hot').querySelector<HTMLTextAreaElement>('[data-testid="note"]')!;
    for (const text of ['H', 'Ho', 'Hot i går']) {
      note.value = text;
      await fireEvent.input(note);
      await vi.advanceTimersByTimeAsync(200);
    }
    expect(calls('note_save')).toHaveLength(0);
    expect(screen.getByTestId('save-status').textContent).not.toBe('Sparat');
    await vi.advanceTimersByTimeAsync(400);
    expect(calls('note_save')).toEqual([{ id: 's1', key: 'hot', text: 'Hot i går' }]);
    await vi.advanceTimersByTimeAsync(0);
    await tick();
    expect(screen.getByTestId('save-status').textContent).toBe('Sparat');
  });

  it('saves text on blur at once, and on flushAll (lock)', async () => {
    await openDraft(draft());
    const text = group('anteckning').querySelector<HTMLTextAreaElement>('textarea[data-primary]')!;
    text.value = 'Första';
    await fireEvent.input(text);
    await fireEvent.blur(text);
    await waitFor(() =>
      expect(calls('answer_save')).toEqual([{ id: 's1', key: 'anteckning', value: { type: 'text', value: 'Första' } }]),
    );
    const note = group('nar').querySelector<HTMLTextAreaElement>('[data-testid="note"]')!;
    note.value = 'Inför låsning';
    await fireEvent.input(note);
    await flushAll();
    expect(calls('note_save')).toEqual([{ id: 's1', key: 'nar', text: 'Inför låsning' }]);
  });
});

describe('Conditional items', () => {
  it('shows and hides items as the evaluation says, keeping hidden answers', async () => {
    const shown = scenario('hot_yes').evaluation;
    let next = shown;
    await openDraft(draft(), { answer_save: () => saved(next) });
    expect(document.querySelector('[data-key="foljd"]')).toBeNull();
    await press(group('hot'), 'j');
    await waitFor(() => expect(document.querySelector('[data-key="foljd"]')).not.toBeNull());
    await press(group('foljd'), 'j');
    await waitFor(() => expect(calls('answer_save')).toHaveLength(2));
    next = scenario('hot_no_foljd_yes').evaluation;
    await press(group('hot'), 'n');
    await waitFor(() => expect(document.querySelector('[data-key="foljd"]')).toBeNull());
    // the hidden answer is not deleted, only marked not applicable
    expect(calls('answer_save').filter((a) => (a as { key: string }).key === 'foljd')).toHaveLength(1);
    expect(screen.getByTestId('not-applicable').textContent).toContain('Följdfråga?');
  });

  it('shows progress per section', async () => {
    await openDraft(draft(scenario('hot_no')));
    const progress = screen.getAllByTestId('section-progress');
    expect(progress).toHaveLength(2);
    expect(progress[0].textContent).toContain('1 av 6 besvarade');
    expect(progress[1].textContent).toContain('0 av 1 besvarade');
  });
});

describe('Lists', () => {
  it('adds an entry at once and saves typed fields debounced', async () => {
    await openDraft(draft());
    await fireEvent.click(group('steg').querySelector('[data-testid="entry-add"]')!);
    await waitFor(() => expect(calls('answer_save')).toHaveLength(1));
    expect(calls('answer_save')[0]).toEqual({ id: 's1', key: 'steg', value: { type: 'entries', value: [{}] } });
    const field = screen.getByLabelText(/^Vad/) as HTMLTextAreaElement;
    expect(document.activeElement).toBe(field);
    field.value = 'Kontakta skolan';
    await fireEvent.input(field);
    await fireEvent.blur(field);
    await waitFor(() => expect(calls('answer_save')).toHaveLength(2));
    expect(calls('answer_save')[1]).toEqual({
      id: 's1', key: 'steg', value: { type: 'entries', value: [{ vad: { type: 'text', value: 'Kontakta skolan' } }] },
    });
  });
});

describe('Discard', () => {
  it('asks for confirmation, then discards and returns home', async () => {
    await openDraft(draft(), { screening_discard: () => null });
    await fireEvent.click(screen.getByTestId('discard'));
    expect(calls('screening_discard')).toHaveLength(0);
    expect(document.activeElement).toBe(screen.getByTestId('discard-cancel'));
    await fireEvent.click(screen.getByTestId('discard-confirm'));
    await waitFor(() => expect(calls('screening_discard')).toEqual([{ id: 's1' }]));
    await screen.findByTestId('home');
  });
});
