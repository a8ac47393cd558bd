import { beforeEach, describe, expect, it } from 'vitest';
import { setLang } from './i18n.svelte';
import {
  allKeys, categoryLabel, formatAnswer, formatKey, itemKeys, keyLabel, parseKey, sectionProgress, today, tx,
  type Item,
} from './screening';
import { DEF } from '../screens/work/test/fixtures';

const words = { yes: 'Ja', no: 'Nej', declined: 'Vill ej svara', none: 'Inget', unanswered: '–' };

beforeEach(() => setLang('sv'));

describe('answer keys', () => {
  it('formats and parses every form', () => {
    for (const s of ['hot', 'skala@parent', 'faktor#nu', 'faktor@worker#nu']) expect(formatKey(parseKey(s))).toBe(s);
    expect(parseKey('faktor@worker#nu')).toEqual({ item: 'faktor', perspective: 'worker', timeframe: 'nu' });
  });

  it('orders keys as the core does: perspective first, then time frame', () => {
    const item = { ...DEF.sections[0].items[0], perspectives: ['p', 'q'], timeframes: ['nu', 'tidigare'] } as Item;
    expect(itemKeys(item).map(formatKey)).toEqual(['hot@p#nu', 'hot@p#tidigare', 'hot@q#nu', 'hot@q#tidigare']);
    expect(allKeys(DEF)).toEqual(['hot', 'foljd', 'nar', 'faktor#nu', 'faktor#tidigare', 'sakerhet@worker', 'anteckning', 'steg']);
  });

  it('labels a key with its item text and axis', () => {
    expect(keyLabel(DEF, 'faktor#tidigare')).toBe('Faktor (Tidigare)');
    setLang('en');
    expect(keyLabel(DEF, 'sakerhet@worker')).toBe('Hur säkert? (Worker)');
  });
});

describe('texts and answers', () => {
  it('shows English with Swedish fallback', () => {
    expect(tx({ sv: 'Hej', en: 'Hello' })).toBe('Hej');
    setLang('en');
    expect(tx({ sv: 'Hej', en: 'Hello' })).toBe('Hello');
    expect(tx({ sv: 'Bara svenska' })).toBe('Bara svenska');
  });

  it('formats answers read-only', () => {
    const [hot, , nar, faktor] = DEF.sections[0].items;
    expect(formatAnswer(hot, { type: 'yes_no', value: true }, words)).toBe('Ja');
    expect(formatAnswer(hot, { type: 'declined' }, words)).toBe('Vill ej svara');
    expect(formatAnswer(nar, { type: 'choice', value: 'tidigare' }, words)).toBe('Tidigare');
    expect(formatAnswer(faktor, { type: 'choice', value: 'j' }, words)).toBe('J – Närvarande');
    expect(formatAnswer(hot, undefined, words)).toBe('–');
  });

  it('labels outcome categories', () => {
    const o = DEF.outcomes![0];
    expect(categoryLabel(DEF, o, 'positiv', words)).toBe('Positiv');
    expect(categoryLabel(DEF, { id: 'x', label: { sv: 'x' }, categories: [], from_score: 'antal' }, 'hog', words)).toBe('Hög');
  });

  it('counts section progress among visible items', () => {
    const visible = new Set(['hot', 'nar', 'faktor']);
    const p = sectionProgress(DEF.sections[0], visible, {
      hot: { type: 'yes_no', value: false },
      foljd: { type: 'yes_no', value: true },
      'faktor#nu': { type: 'choice', value: 'n' },
    });
    expect(p).toEqual({ answered: 2, total: 4 });
  });

  it('writes today as YYYY-MM-DD', () => {
    expect(today(new Date(2025, 0, 5))).toBe('2025-01-05');
  });
});
