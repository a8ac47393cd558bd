import { beforeEach, describe, expect, it } from 'vitest';
import { setLang } from './i18n.svelte';
import {
  allKeys, answeredWhileHidden, categoryLabel, formatAnswer, itemKeys, itemOfKey, keyLabel, sectionProgress, today, tx,
} from './screening';
import { DEF, draft, evaluation } from '../screens/work/test/fixtures';

const words = { yes: 'Ja', no: 'Nej', declined: 'Vill ej svara', none: 'Inget', unanswered: '–' };

beforeEach(() => setLang('sv'));

describe('answer keys', () => {
  // The keys come from the core (`doc.keys`); the UI only looks them up.
  it('lists every key in interview order as the core spells them', () => {
    const doc = draft();
    expect(allKeys(doc)).toEqual(['hot', 'foljd', 'nar', 'faktor#nu', 'faktor#tidigare', 'sakerhet@worker', 'anteckning', 'steg']);
    expect(itemKeys(doc, 'faktor').map((k) => k.timeframe)).toEqual(['nu', 'tidigare']);
    expect(itemOfKey(doc, 'sakerhet@worker')).toBe('sakerhet');
    expect(itemKeys(doc, 'no_such_item')).toEqual([]);
  });

  it('labels a key with its item text and axis', () => {
    const doc = draft();
    expect(keyLabel(doc, 'faktor#tidigare')).toBe('Faktor (Tidigare)');
    setLang('en');
    expect(keyLabel(doc, 'sakerhet@worker')).toBe('Hur säkert? (Worker)');
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
    expect(formatAnswer(hot, { type: 'dont_know' }, { ...words, dontKnow: 'Vet ej' })).toBe('Vet ej');
    expect(formatAnswer(nar, { type: 'choice', value: 'tidigare' }, words)).toBe('Tidigare');
    expect(formatAnswer(faktor, { type: 'choice', value: 'j' }, words)).toBe('J – Närvarande');
    expect(formatAnswer(hot, undefined, words)).toBe('–');
  });

  it('labels outcome categories', () => {
    const o = DEF.outcomes![0];
    expect(categoryLabel(draft(), o, 'positiv', words)).toBe('Positiv');
    expect(categoryLabel(draft(), { id: 'x', label: { sv: 'x' }, categories: [], from_score: 'antal' }, 'hog', words)).toBe('Hög');
  });

  it('reads section progress and hidden answers from the core evaluation', () => {
    // The core's evaluation of no answers: the follow-up is hidden, six keys are shown.
    const ev = evaluation();
    expect(sectionProgress(ev, 'fragor')).toEqual({ answered: 0, total: 6 });
    expect(sectionProgress(ev, 'no_such_section')).toEqual({ answered: 0, total: 0 });
    const doc = draft({ evaluation: evaluation({ hiddenAnswered: ['foljd'] }) });
    expect(answeredWhileHidden(doc, 'foljd')).toBe(true);
    expect(answeredWhileHidden(doc, 'hot')).toBe(false);
  });

  it('writes today as YYYY-MM-DD', () => {
    expect(today(new Date(2025, 0, 5))).toBe('2025-01-05');
  });
});
