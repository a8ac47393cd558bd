// Statistics commands: the on-screen view (already suppressed by the core exactly like the
// export), writing the signed export, importing/merging other laptops' files, the threshold.
import { call } from './api';

/** A published count, or null when suppressed (shown as "–"). */
export type Cell = number | null;

export interface BreakdownCell {
  measure: string;
  category: string;
  count: Cell;
}

export interface StatisticsRow {
  month: string;
  unit: string;
  unit_name: string;
  instrument: string;
  version: string;
  instrument_title: { sv: string; en?: string } | null;
  started: Cell;
  completed: Cell;
  reviewed: Cell;
  discarded: Cell;
  breakdowns: BreakdownCell[];
}

/** A month's sums over the rows shown; null when a hidden number is in the sum. */
export interface MonthTotals {
  month: string;
  started: Cell;
  completed: Cell;
  reviewed: Cell;
  discarded: Cell;
}

export interface StatisticsView {
  from: string;
  to: string;
  threshold: number;
  months: MonthTotals[];
  rows: StatisticsRow[];
  any_suppressed: boolean;
  /** The current month, when it is in the period: its counts may still grow. */
  preliminary: string | null;
  units: string[];
}

export interface MergeSummary {
  period_from: string;
  period_to: string;
  sources: { installation_id: string; from: string; to: string }[];
  rows: number;
}

export interface WrittenFiles {
  jsonPath: string;
  csvPath: string;
  rows: number;
  installationId: string;
  summary: MergeSummary;
}

export const statisticsGet = (from: string, to: string) =>
  call<StatisticsView>('statistics_get', { from, to });

export const exportWrite = (from: string, to: string, folder: string | null) =>
  call<WrittenFiles>('export_write', { from, to, folder });

export const exportImport = (paths: string[], folder: string | null) =>
  call<WrittenFiles>('export_import', { paths, folder });

/** One unit × follow-up indicator of a year. */
export interface IndicatorYearCell {
  unit: string;
  unit_name: string;
  indicator: string;
  /** The year's count; null when any month's count is hidden. */
  count: Cell;
  /** The unit's own denominator for the year (kept local, never exported). */
  denominator: number | null;
  /** count / denominator in percent; null when either is missing or the count is hidden. */
  share_percent: number | null;
}

export interface IndicatorYearView {
  year: number;
  threshold: number;
  preliminary: string | null;
  indicators: { id: string; name: { sv: string; en?: string } }[];
  cells: IndicatorYearCell[];
  any_suppressed: boolean;
}

export const indicatorYearGet = (year: number) =>
  call<IndicatorYearView>('indicator_year_get', { year });

export const denominatorSet = (unit: string, year: number, indicator: string, value: number | null) =>
  call<IndicatorYearView>('indicator_denominator_set', { unit, year, indicator, value });

/** A share in percent, Swedish style ("25,0 %"), or "–". */
export function formatShare(share: number | null, lang: 'sv' | 'en' = 'sv'): string {
  if (share === null) return '–';
  const text = share.toFixed(1);
  return lang === 'sv' ? `${text.replace('.', ',')} %` : `${text} %`;
}

export const thresholdSet = (value: number) => call<number>('settings_threshold_set', { value });

/** `YYYY-MM` of a date. */
export function monthOf(d: Date): string {
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}`;
}

/** The last twelve months, ending with the current one. */
export function lastTwelveMonths(now: Date = new Date()): { from: string; to: string } {
  return { from: monthOf(new Date(now.getFullYear(), now.getMonth() - 11, 1)), to: monthOf(now) };
}

/** Splits pasted text into file paths: one per line, surrounding quotes removed. */
export function splitPaths(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((l) => l.trim().replace(/^"(.*)"$/, '$1'))
    .filter((l) => l.length > 0);
}
