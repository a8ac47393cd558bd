import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import * as core from '@tauri-apps/api/core';
import { setLang } from '../../lib/i18n.svelte';
import { formatShare, type IndicatorYearView } from '../../lib/stats';
import IndicatorYear from './IndicatorYear.svelte';

vi.mock('@tauri-apps/api/core', () => ({ invoke: vi.fn() }));
const invoke = vi.mocked(core.invoke) as unknown as ReturnType<typeof vi.fn>;
const calls = (cmd: string) => invoke.mock.calls.filter((c) => c[0] === cmd).map((c) => c[1]);

const INDICATORS = [
  { id: 'asked_about_violence', name: { sv: 'Frågat om våld', en: 'Asked about violence' } },
  { id: 'reviewed_by_supervisor', name: { sv: 'Granskad av arbetsledare', en: 'Reviewed by the supervisor' } },
];

const view = (denominator: number | null): IndicatorYearView => ({
  year: 2025, threshold: 3, preliminary: null, indicators: INDICATORS, anySuppressed: true,
  cells: [
    { unit: 'IFO', unitName: 'IFO', indicator: 'asked_about_violence', count: 12, denominator,
      sharePercent: denominator ? Math.round((12 * 1000) / denominator) / 10 : null },
    { unit: 'IFO', unitName: 'IFO', indicator: 'reviewed_by_supervisor', count: null, denominator: 10, sharePercent: null },
  ],
});

function route(handlers: Record<string, (args: Record<string, unknown>) => unknown>) {
  invoke.mockImplementation(async (cmd: string, args: Record<string, unknown>) => {
    const h = handlers[cmd];
    if (!h) throw { code: 'internal', message: `no route for ${cmd}` };
    return h(args);
  });
}

const row = (indicator: string) =>
  screen.getAllByTestId('year-row').find((r) => r.dataset.indicator === indicator)!;

beforeEach(() => {
  setLang('sv');
  invoke.mockReset();
});
afterEach(() => cleanup());

describe('IndicatorYear', () => {
  it('loads nothing until a year is asked for, then shows counts, hidden counts as – and shares', async () => {
    route({ indicator_year_get: () => view(40) });
    render(IndicatorYear, { now: new Date(2025, 5, 1) });
    expect(calls('indicator_year_get')).toEqual([]);
    expect((screen.getByTestId('year-input') as HTMLInputElement).value).toBe('2025');
    await fireEvent.click(screen.getByTestId('year-show'));
    await waitFor(() => expect(screen.getAllByTestId('year-row')).toHaveLength(2));
    expect(calls('indicator_year_get')[0]).toEqual({ year: 2025 });
    const asked = within(row('asked_about_violence'));
    expect(asked.getByText('Frågat om våld')).toBeTruthy();
    expect(asked.getByTestId('year-count').textContent).toBe('12');
    expect(asked.getByTestId('year-share').textContent).toBe('30,0 %');
    expect((asked.getByTestId('year-denominator') as HTMLInputElement).value).toBe('40');
    // A hidden count hides its share, whatever the denominator.
    const reviewed = within(row('reviewed_by_supervisor'));
    expect(reviewed.getByTestId('year-count').textContent).toBe('–');
    expect(reviewed.getByTestId('year-share').textContent).toBe('–');
    expect(screen.getByTestId('year-legend')).toBeTruthy();
  });

  it('saves a denominator, clears an empty one and refuses one that is not a whole number', async () => {
    route({
      indicator_year_get: () => view(null),
      indicator_denominator_set: (a) => view(a.value as number | null),
    });
    render(IndicatorYear, { now: new Date(2025, 5, 1) });
    await fireEvent.click(screen.getByTestId('year-show'));
    await waitFor(() => expect(screen.getAllByTestId('year-row')).toHaveLength(2));
    const asked = within(row('asked_about_violence'));
    expect(asked.getByTestId('year-share').textContent).toBe('–');

    await fireEvent.input(asked.getByTestId('year-denominator'), { target: { value: '48' } });
    await fireEvent.click(asked.getByTestId('year-save'));
    await waitFor(() => expect(within(row('asked_about_violence')).getByTestId('year-share').textContent).toBe('25,0 %'));
    expect(calls('indicator_denominator_set')[0]).toEqual({
      unit: 'IFO', year: 2025, indicator: 'asked_about_violence', value: 48,
    });
    expect(screen.getByText('Sparat.')).toBeTruthy();

    await fireEvent.input(within(row('asked_about_violence')).getByTestId('year-denominator'), { target: { value: '0' } });
    await fireEvent.click(within(row('asked_about_violence')).getByTestId('year-save'));
    expect(await screen.findByText(/heltal från 1 till 1 000 000/)).toBeTruthy();
    expect(calls('indicator_denominator_set')).toHaveLength(1);

    await fireEvent.input(within(row('asked_about_violence')).getByTestId('year-denominator'), { target: { value: '' } });
    await fireEvent.click(within(row('asked_about_violence')).getByTestId('year-save'));
    await waitFor(() => expect(calls('indicator_denominator_set')).toHaveLength(2));
    expect(calls('indicator_denominator_set')[1]).toMatchObject({ value: null });
  });

  it('shows a refusal from the core (e.g. another unit) as an error', async () => {
    route({
      indicator_year_get: () => view(null),
      indicator_denominator_set: () => {
        throw { code: 'forbidden', message: 'a denominator can only be set for one of your own units' };
      },
    });
    render(IndicatorYear, { now: new Date(2025, 5, 1) });
    await fireEvent.click(screen.getByTestId('year-show'));
    await waitFor(() => expect(screen.getAllByTestId('year-row')).toHaveLength(2));
    await fireEvent.input(within(row('asked_about_violence')).getByTestId('year-denominator'), { target: { value: '5' } });
    await fireEvent.click(within(row('asked_about_violence')).getByTestId('year-save'));
    expect(await screen.findByTestId('year-error')).toBeTruthy();
  });

  it('formats shares in Swedish and English', () => {
    expect(formatShare(33.3)).toBe('33,3 %');
    expect(formatShare(33.3, 'en')).toBe('33.3 %');
    expect(formatShare(null)).toBe('–');
  });
});
