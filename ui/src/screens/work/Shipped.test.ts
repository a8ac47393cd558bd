// The four shipped instruments, as varna-core serialises them (definition + the evaluation of
// no answers; dumped with serde_json from instruments/*/1.0.0.toml), render in the interview
// with one item group per visible answer key, and their gaps render in the summary.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { cleanup, fireEvent, render, screen } from '@testing-library/svelte';
import { tick } from 'svelte';
import * as core from '@tauri-apps/api/core';
import { setLang } from '../../lib/i18n.svelte';
import { allKeys, parseKey, type Evaluation, type Instrument } from '../../lib/screening';
import Workspace from './Workspace.svelte';
import { draft, routeInvoke, SESSION } from './test/fixtures';
import freda from './test/shipped/freda-kortfragor-stil.json';
import farlighet from './test/shipped/farlighet-stil.json';
import patriark from './test/shipped/patriark-stil.json';
import sos from './test/shipped/signs-of-safety-stil.json';

vi.mock('@tauri-apps/api/core', () => ({ invoke: vi.fn() }));
const invoke = vi.mocked(core.invoke) as unknown as ReturnType<typeof vi.fn>;

beforeEach(() => {
  setLang('sv');
  invoke.mockReset();
});
afterEach(() => cleanup());

const shipped = { freda, farlighet, patriark, sos } as unknown as Record<string, { definition: Instrument; evaluation: Evaluation }>;

describe.each(Object.entries(shipped))('shipped instrument %s', (_, { definition, evaluation }) => {
  it('renders every visible answer key and lists the gaps', async () => {
    const doc = draft({ definition, evaluation, instrumentId: definition.id });
    routeInvoke(invoke, {
      my_screenings: () => ({ drafts: [{ ...doc, instrumentTitle: definition.title, answered: 0, total: 1 }], completed: [] }),
      screening_get: () => doc,
      position_save: () => null,
    });
    render(Workspace, { props: { session: SESSION } });
    await fireEvent.click(await screen.findByTestId('draft-s1'));
    await screen.findByTestId('interview');
    await tick();
    const visible = new Set(evaluation.visible_items);
    const want = allKeys(definition).filter((k) => visible.has(parseKey(k).item));
    const got = screen.getAllByTestId('item').map((g) => g.getAttribute('data-key'));
    expect(got).toEqual(want);
    expect(screen.getAllByTestId('note')).toHaveLength(want.length);
    expect(screen.getAllByTestId('section-progress')).toHaveLength(evaluation.visible_sections.length);
    expect(document.activeElement?.getAttribute('data-key') ?? document.activeElement?.closest('[data-testid="item"]')?.getAttribute('data-key')).toBe(want[0]);

    await fireEvent.click(screen.getByTestId('to-summary'));
    await screen.findByTestId('summary');
    expect(screen.getAllByTestId('gap').map((g) => g.getAttribute('data-key'))).toEqual(evaluation.missing_required);
  });
});
