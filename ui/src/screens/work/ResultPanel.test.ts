// A re-assessment (a follow-up of an earlier screening) shows, beside each score and outcome of
// now, what the earlier screening gave ("then → now"), from the core's two evaluations; a first
// assessment shows no such line.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cleanup, render, screen } from '@testing-library/svelte';
import { setLang } from '../../lib/i18n.svelte';
import ResultPanel from './ResultPanel.svelte';
import { draft, type GeneratedFixture } from './test/fixtures';
import farlighetJson from './test/generated/farlighet-stil-1.1.0.json';

const farlighet = farlighetJson as unknown as GeneratedFixture;

beforeEach(() => setLang('sv'));
afterEach(() => cleanup());

/** The danger checklist with its evaluation of now; `before` is the earlier one's, if any. */
function doc(before: GeneratedFixture['evaluation'] | null) {
  const { definition, keys, evaluation } = structuredClone(farlighet);
  // Now: 15 of 20 markers, band "hög".
  evaluation.scores = evaluation.scores.map((s) => ({ ...s, value: 15, answered: 20, band: 'hog', computedBand: 'hog' }));
  evaluation.outcomes = evaluation.outcomes.map((o) => (o.dimension === 'riskniva' ? { ...o, category: 'hog' } : o));
  return draft({
    definition, keys, evaluation, instrumentId: definition.id, instrumentVersion: definition.version,
    previous: before && {
      id: 'earlier', instrumentVersion: definition.version, conductedOn: '2025-01-10', completedAt: '2025-01-10T10:00:00Z',
      answers: {}, evaluation: before,
    },
  });
}

describe('ResultPanel', () => {
  it('shows then → now for each score and outcome of a re-assessment', () => {
    const before = structuredClone(farlighet.evaluation);
    // Then: 4 markers, band "standard", overridden to "medel" after professional judgement.
    before.scores = before.scores.map((s) => ({
      ...s, value: 4, answered: 20, band: 'medel', computedBand: 'standard',
      override: { from: 'standard', to: 'medel', reason: 'Skäl då' },
    }));
    before.outcomes = before.outcomes.map((o) => (o.dimension === 'riskniva' ? { ...o, category: 'medel' } : o));
    render(ResultPanel, { props: { doc: doc(before) } });

    const score = screen.getByTestId('score');
    expect(score.textContent).toContain('15');
    expect(screen.getByTestId('score-then').textContent).toBe(
      'Förra gången (2025-01-10): 4 (Medel (10–13)) – ändrad efter professionell bedömning',
    );
    const thens = screen.getAllByTestId('outcome-then').map((e) => e.textContent);
    expect(thens).toContain('Förra gången (2025-01-10): Medel (10–13)');
  });

  it('shows no then-line for a first assessment', () => {
    render(ResultPanel, { props: { doc: doc(null) } });
    expect(screen.getByTestId('score').textContent).toContain('15');
    expect(screen.queryByTestId('score-then')).toBeNull();
    expect(screen.queryByTestId('outcome-then')).toBeNull();
  });
});
