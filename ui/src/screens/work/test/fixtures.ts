// A small instrument with every kind of item the interview renders, and a fake IPC.
import { vi } from 'vitest';
import type { Evaluation, Instrument, ScreeningDoc } from '../../../lib/screening';

export const DEF: Instrument = {
  id: 'test-stil',
  version: '1.0.0',
  kind: 'checklist',
  title: { sv: 'Testinstrument', en: 'Test instrument' },
  description: { sv: 'Beskrivning' },
  source: { sv: 'Källa' },
  licence: { sv: 'Licens' },
  timeframes: [
    { id: 'nu', label: { sv: 'Nu', en: 'Now' } },
    { id: 'tidigare', label: { sv: 'Tidigare', en: 'Earlier' } },
  ],
  perspectives: [{ id: 'worker', label: { sv: 'Handläggare', en: 'Worker' } }],
  sections: [
    {
      id: 'fragor',
      title: { sv: 'Frågor', en: 'Questions' },
      items: [
        { id: 'hot', type: 'yes_no', required: true, allow_decline: true, text: { sv: 'Hot?', en: 'Threat?' } },
        {
          id: 'foljd', type: 'yes_no', required: true, allow_decline: false, show_if: 'hot',
          text: { sv: 'Följdfråga?', en: 'Follow-up?' },
        },
        {
          id: 'nar', type: 'single_choice', required: false, allow_decline: false,
          text: { sv: 'När?', en: 'When?' },
          options: [
            { id: 'senaste_aret', label: { sv: 'Senaste året' } },
            { id: 'tidigare', label: { sv: 'Tidigare' } },
          ],
        },
        {
          id: 'faktor', type: 'rating', required: false, allow_decline: false, timeframes: ['nu', 'tidigare'],
          text: { sv: 'Faktor' },
          levels: [
            { id: 'n', code: 'N', label: { sv: 'Inte närvarande' } },
            { id: 'mojligen', code: '?', label: { sv: 'Möjligen' } },
            { id: 'j', code: 'J', label: { sv: 'Närvarande' } },
          ],
        },
        {
          id: 'sakerhet', type: 'scale', required: false, allow_decline: false, perspectives: ['worker'],
          text: { sv: 'Hur säkert?' }, min: 0, max: 10,
          anchors: [{ value: 0, label: { sv: 'Inte alls' } }],
        },
        { id: 'anteckning', type: 'long_text', required: false, allow_decline: false, text: { sv: 'Anteckning om svaren' } },
      ],
    },
    {
      id: 'plan',
      title: { sv: 'Plan' },
      items: [
        {
          id: 'steg', type: 'list', required: true, allow_decline: false, text: { sv: 'Nästa steg' },
          entry_label: { sv: 'Steg' },
          fields: [
            { id: 'vad', type: 'long_text', required: true, allow_decline: false, text: { sv: 'Vad' } },
            { id: 'nar', type: 'date', required: false, allow_decline: false, text: { sv: 'När' } },
          ],
        },
      ],
    },
  ],
  scores: [
    {
      id: 'antal', label: { sv: 'Antal ja' }, method: 'count', items: ['hot', 'foljd'],
      bands: [
        { id: 'lag', label: { sv: 'Låg' }, min: 0, max: 1 },
        { id: 'hog', label: { sv: 'Hög' }, min: 2 },
      ],
    },
  ],
  outcomes: [
    {
      id: 'utfall', label: { sv: 'Utfall' },
      categories: [{ id: 'positiv', label: { sv: 'Positiv' } }, { id: 'negativ', label: { sv: 'Negativ' } }],
      rules: [{ when: 'hot', category: 'positiv' }], otherwise: 'negativ',
    },
  ],
};

export function evaluation(over: Partial<Evaluation> = {}): Evaluation {
  return {
    visible_sections: ['fragor', 'plan'],
    visible_items: ['hot', 'nar', 'faktor', 'sakerhet', 'anteckning', 'steg'],
    hidden_items: ['foljd'],
    missing_required: ['hot', 'steg'],
    scores: [{ id: 'antal', value: 0, answered: 0, total: 2, computed_band: 'lag', band: 'lag', override: null }],
    outcomes: [{ dimension: 'utfall', category: 'negativ' }],
    complete: false,
    ...over,
  };
}

export function draft(over: Partial<ScreeningDoc> = {}): ScreeningDoc {
  return {
    id: 's1',
    status: 'draft',
    instrumentId: DEF.id,
    instrumentVersion: DEF.version,
    instrumentSha256: 'abc',
    definition: structuredClone(DEF),
    unitId: 'u1',
    unitCode: 'IFO1',
    unitName: 'Vuxenenheten',
    personRole: 'valdsutsatt',
    conductedOn: '2025-03-01',
    caseRef: null,
    authorId: 'a1',
    authorName: 'Anna Handläggare',
    createdAt: '2025-03-01T09:00:00Z',
    completedAt: null,
    answers: {},
    notes: {},
    position: null,
    evaluation: evaluation(),
    addenda: [],
    ...over,
  };
}

export const SESSION = {
  username: 'anna',
  displayName: 'Anna Handläggare',
  role: 'handlaggare' as const,
  units: [{ id: 'u1', code: 'IFO1', name: 'Vuxenenheten' }],
  autoLockMinutes: 5,
};

type Handler = (args: Record<string, unknown> | undefined) => unknown;

/** Routes mocked `invoke` calls to handlers; unknown commands reject with not_found. */
export function routeInvoke(invoke: ReturnType<typeof vi.fn>, handlers: Record<string, Handler>) {
  invoke.mockImplementation(async (cmd: string, args?: Record<string, unknown>) => {
    const h = handlers[cmd];
    if (!h) throw { code: 'not_found', message: `no handler for ${cmd}` };
    return h(args);
  });
}

/** A promise with its resolve/reject exposed. */
export function deferred<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}
