// The summary of a signs-of-safety-stil 2.0.0 mapping shows each danger statement with its
// safety goal and the scalings per perspective, before completing; an instrument without
// such a list shows no such section.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cleanup, render, screen } from '@testing-library/svelte';
import { setLang } from '../../lib/i18n.svelte';
import Summary from './Summary.svelte';
import { draft, type GeneratedFixture } from './test/fixtures';
import sos2json from './test/generated/signs-of-safety-stil-2.0.0.json';
import sos1json from './test/generated/signs-of-safety-stil-1.0.0.json';

const sos2 = sos2json as unknown as GeneratedFixture;
const sos1 = sos1json as unknown as GeneratedFixture;

beforeEach(() => setLang('sv'));
afterEach(() => cleanup());

const props = (doc: ReturnType<typeof draft>) => ({
  doc, ongap: () => {}, onback: () => {}, oncompleted: () => {},
});

describe('Summary', () => {
  it('shows the pairs with the scalings per perspective', () => {
    const { definition, keys, evaluation } = sos2;
    const doc = draft({
      definition, keys, evaluation, instrumentId: definition.id, instrumentVersion: definition.version,
      answers: {
        farlighet_och_mal: {
          type: 'entries',
          value: [{
            farlighet: { type: 'text', value: 'Oro för bråk' },
            mal: { type: 'text', value: 'Tryggt hemma' },
            'skala@worker': { type: 'integer', value: 3 },
            'skala@parent': { type: 'integer', value: 7 },
          }],
        },
      },
    });
    render(Summary, { props: props(doc) });
    const pairs = screen.getByTestId('summary-pairs');
    expect(pairs.querySelector('h3')?.textContent).toBe('Farlighetsformuleringar och säkerhetsmål');
    const lines = [...pairs.querySelectorAll('[data-testid="entry-ro-field"]')].map((d) =>
      d.textContent?.replace(/\s+/g, ' ').trim(),
    );
    expect(lines).toEqual([
      'Farlighetsformulering: Oro för bråk',
      'Säkerhetsmål: Tryggt hemma',
      'Hur nära säkerhetsmålet är ni? (0–10) – Handläggare: 3',
      'Hur nära säkerhetsmålet är ni? (0–10) – Förälder: 7',
    ]);
  });

  it('says so when no pair is written yet, and has no such section for version 1.0.0', () => {
    const two = sos2;
    render(Summary, { props: props(draft({ definition: two.definition, keys: two.keys, evaluation: two.evaluation })) });
    expect(screen.getByTestId('summary-pairs').textContent).toContain('Inget tillagt ännu.');
    cleanup();
    const one = sos1;
    render(Summary, { props: props(draft({ definition: one.definition, keys: one.keys, evaluation: one.evaluation })) });
    expect(screen.queryByTestId('summary-pairs')).toBeNull();
  });
});
