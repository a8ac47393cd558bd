// A list field asked per perspective (a 0–10 scale per perspective, as in
// signs-of-safety-stil 2.0.0): the list editor gives one input per perspective, kept in the
// entry as `field@perspective`, refuses values off the scale, stops offering "add" at
// `max_entries`; the read-only list shows one line per perspective answered.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { cleanup, fireEvent, render, screen } from '@testing-library/svelte';
import { setLang } from '../../lib/i18n.svelte';
import type { AnswerValue, Item, Label } from '../../lib/screening';
import ListEditor from './items/ListEditor.svelte';
import EntryList from './EntryList.svelte';

const PERSPECTIVES: Label[] = [
  { id: 'worker', label: { sv: 'Handläggare', en: 'Worker' } },
  { id: 'parent', label: { sv: 'Förälder', en: 'Parent' } },
];

const PAIRS = {
  id: 'par',
  type: 'list',
  required: true,
  allow_decline: false,
  text: { sv: 'Farlighetsformuleringar och säkerhetsmål' },
  entry_label: { sv: 'Par', en: 'Pair' },
  max_entries: 2,
  fields: [
    { id: 'farlighet', type: 'long_text', required: true, allow_decline: false, text: { sv: 'Farlighetsformulering' } },
    { id: 'mal', type: 'long_text', required: true, allow_decline: false, text: { sv: 'Säkerhetsmål' } },
    {
      id: 'skala', type: 'scale', required: false, allow_decline: false, min: 0, max: 10,
      perspectives: ['worker', 'parent'],
      text: { sv: 'Hur nära målet? (0–10)', en: 'How close to the goal? (0–10)' },
      help: { sv: '0: farligheten gäller. 10: målet är nått.' },
    },
  ],
} as unknown as Item;

/** The keys the core sends for this item's fields (`doc.keys`, see `screening::key_views`). */
const view = (item: string, perspective: string | null = null) => ({
  key: perspective ? `${item}@${perspective}` : item, item, perspective, timeframe: null,
});
const KEYS = {
  par: [view('par')],
  'par/farlighet': [view('farlighet')],
  'par/mal': [view('mal')],
  'par/skala': [view('skala', 'worker'), view('skala', 'parent')],
};

beforeEach(() => setLang('sv'));
afterEach(() => cleanup());

function editor(value: AnswerValue | undefined) {
  const onchange = vi.fn();
  render(ListEditor, {
    props: {
      item: PAIRS, keyStr: 'par', value, labelledBy: 'q-par', onchange, onflush: () => {},
      perspectives: PERSPECTIVES, keys: KEYS,
    },
  });
  return onchange;
}

describe('ListEditor with a scale per perspective', () => {
  it('gives one labelled number input per perspective and saves it as field@perspective', async () => {
    const onchange = editor({ type: 'entries', value: [{ farlighet: { type: 'text', value: 'Oro' } }] });
    const group = screen.getByTestId('entry-perspectives');
    expect(group.querySelector('legend')?.textContent).toContain('Hur nära målet? (0–10)');
    expect(group.textContent).toContain('0: farligheten gäller. 10: målet är nått.');
    const worker = screen.getByLabelText('Handläggare') as HTMLInputElement;
    const parent = screen.getByLabelText('Förälder') as HTMLInputElement;
    expect(worker.type).toBe('number');
    expect([worker.min, worker.max, worker.step]).toEqual(['0', '10', '1']);
    await fireEvent.input(parent, { target: { value: '7' } });
    expect(onchange).toHaveBeenLastCalledWith(
      { type: 'entries', value: [{ farlighet: { type: 'text', value: 'Oro' }, 'skala@parent': { type: 'integer', value: 7 } }] },
      false,
    );
    // Off the scale or not whole: nothing is saved.
    onchange.mockClear();
    await fireEvent.input(worker, { target: { value: '11' } });
    await fireEvent.input(worker, { target: { value: '2.5' } });
    expect(onchange).not.toHaveBeenCalled();
    // Emptied: the perspective's value is removed from the entry.
    await fireEvent.input(worker, { target: { value: '' } });
    expect(onchange).toHaveBeenLastCalledWith(
      { type: 'entries', value: [{ farlighet: { type: 'text', value: 'Oro' } }] },
      false,
    );
  });

  it('shows the stored values per perspective', () => {
    editor({
      type: 'entries',
      value: [{ 'skala@worker': { type: 'integer', value: 3 }, 'skala@parent': { type: 'integer', value: 8 } }],
    });
    expect((screen.getByLabelText('Handläggare') as HTMLInputElement).value).toBe('3');
    expect((screen.getByLabelText('Förälder') as HTMLInputElement).value).toBe('8');
  });

  it('offers no further entry at max_entries and says how many are allowed', () => {
    editor({ type: 'entries', value: [{}, {}] });
    expect(screen.queryByTestId('entry-add')).toBeNull();
    expect(screen.getByTestId('entry-max').textContent).toBe('Högst 2.');
    cleanup();
    editor({ type: 'entries', value: [{}] });
    expect(screen.getByTestId('entry-add').textContent).toContain('Lägg till: Par');
  });
});

describe('EntryList', () => {
  it('shows each pair with one line per perspective answered, in declared order', () => {
    render(EntryList, {
      props: {
        item: PAIRS,
        perspectives: PERSPECTIVES,
        keys: KEYS,
        entries: [
          {
            'skala@parent': { type: 'integer', value: 7 },
            mal: { type: 'text', value: 'Tryggt hemma' },
            farlighet: { type: 'text', value: 'Oro för bråk' },
            'skala@worker': { type: 'integer', value: 3 },
          },
          { farlighet: { type: 'text', value: 'Andra oron' } },
        ],
      },
    });
    const entries = screen.getAllByTestId('entry-ro');
    expect(entries).toHaveLength(2);
    expect(entries[0].getAttribute('aria-label')).toBe('Par 1');
    const lines = [...entries[0].querySelectorAll('[data-testid="entry-ro-field"]')].map((d) =>
      d.textContent?.replace(/\s+/g, ' ').trim(),
    );
    expect(lines).toEqual([
      'Farlighetsformulering: Oro för bråk',
      'Säkerhetsmål: Tryggt hemma',
      'Hur nära målet? (0–10) – Handläggare: 3',
      'Hur nära målet? (0–10) – Förälder: 7',
    ]);
    expect(entries[1].querySelectorAll('[data-testid="entry-ro-field"]')).toHaveLength(1);
  });

  it('follows the language', () => {
    setLang('en');
    render(EntryList, {
      props: { item: PAIRS, perspectives: PERSPECTIVES, keys: KEYS, entries: [{ 'skala@worker': { type: 'integer', value: 4 } }] },
    });
    expect(screen.getByTestId('entry-ro-field').textContent?.replace(/\s+/g, ' ').trim()).toBe(
      'How close to the goal? (0–10) – Worker: 4',
    );
    expect(screen.getByTestId('entry-ro').getAttribute('aria-label')).toBe('Pair 1');
  });
});
