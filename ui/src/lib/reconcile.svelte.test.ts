import { flushSync } from 'svelte';
import { describe, expect, it } from 'vitest';
import { equalValues, reconcile } from './reconcile';

function evaluation(missing: string[], answered: number) {
  return {
    visibleItems: ['a', 'b', 'c'],
    missingRequired: missing,
    complete: missing.length === 0,
    progress: [
      { section: 's1', keys: ['a', 'b'], answered },
      { section: 's2', keys: ['c'], answered: 0 },
    ],
    scores: [] as { id: string; value: number }[],
  };
}

describe('reconcile', () => {
  it('makes the target equal to the source, whatever changed', () => {
    const target: Record<string, unknown> = { ...evaluation(['a', 'b'], 0), gone: 1 };
    const source: Record<string, unknown> = {
      ...evaluation(['b'], 1),
      visibleItems: ['a', 'c'],
      scores: [{ id: 'x', value: 3 }],
      added: { deep: [1, 2] },
    };
    reconcile(target, source);
    expect(target).toEqual(source);
    expect('gone' in target).toBe(false);
    // a longer array, then a shorter one
    const arr = { v: [1, 2] };
    reconcile(arr, { v: [1, 2, 3, 4] });
    expect(arr.v).toEqual([1, 2, 3, 4]);
    reconcile(arr, { v: [9] });
    expect(arr.v).toEqual([9]);
  });

  it('grows and shrinks arrays held in $state, and what reads them follows', () => {
    const doc = $state({ ev: { items: ['a', 'b', 'c'], scores: [{ id: 's', value: 1 }] as { id: string; value: number | null }[] } });
    const seen: string[] = [];
    const stop = $effect.root(() => {
      $effect(() => {
        seen.push(`${doc.ev.items.length}:${doc.ev.items.join(',')}`);
      });
    });
    flushSync();
    reconcile(doc.ev, { items: ['a'], scores: [{ id: 's', value: null }, { id: 't', value: 2 }] });
    flushSync();
    reconcile(doc.ev, { items: ['a', 'x', 'y', 'z'], scores: [] });
    flushSync();
    expect(seen).toEqual(['3:a,b,c', '1:a', '4:a,x,y,z']);
    expect($state.snapshot(doc.ev)).toEqual({ items: ['a', 'x', 'y', 'z'], scores: [] });
    stop();
  });

  it('compares structurally', () => {
    expect(equalValues({ a: [1, { b: 2 }] }, { a: [1, { b: 2 }] })).toBe(true);
    expect(equalValues({ a: [1, { b: 2 }] }, { a: [1, { b: 3 }] })).toBe(false);
    expect(equalValues({ a: 1 }, { a: 1, b: undefined })).toBe(false);
    expect(equalValues([1], { 0: 1 })).toBe(false);
  });

  it('re-runs only what read a part that changed', () => {
    const doc = $state({ evaluation: evaluation(['a', 'b'], 0) });
    const runs = { visible: 0, missing: 0, s1: 0, s2: 0 };
    const stop = $effect.root(() => {
      $effect(() => {
        void doc.evaluation.visibleItems.join();
        runs.visible++;
      });
      $effect(() => {
        void doc.evaluation.missingRequired.join();
        runs.missing++;
      });
      $effect(() => {
        void doc.evaluation.progress[0].answered;
        runs.s1++;
      });
      $effect(() => {
        void doc.evaluation.progress[1].answered;
        runs.s2++;
      });
    });
    flushSync();
    expect(runs).toEqual({ visible: 1, missing: 1, s1: 1, s2: 1 });

    // the answer to a: a is no longer missing, section 1 has one answer
    reconcile(doc.evaluation, evaluation(['b'], 1));
    flushSync();
    expect(runs).toEqual({ visible: 1, missing: 2, s1: 2, s2: 1 });
    expect(doc.evaluation.missingRequired).toEqual(['b']);

    // the same evaluation again: nothing re-runs
    reconcile(doc.evaluation, evaluation(['b'], 1));
    flushSync();
    expect(runs).toEqual({ visible: 1, missing: 2, s1: 2, s2: 1 });

    // replacing the whole object, as before, re-runs everything
    doc.evaluation = evaluation(['b'], 1);
    flushSync();
    expect(runs).toEqual({ visible: 2, missing: 3, s1: 3, s2: 2 });
    stop();
  });
});
