// Statistics commands: the on-screen view (already suppressed by the core exactly like the
// export), writing the signed export, importing/merging other laptops' files, the threshold.
import { guard } from './api';
import { commands } from './contract';

// The shapes are generated from Rust (./contract.ts, `make contract`).
export type {
  BreakdownCell,
  IncomingFile,
  IndicatorYearCell,
  IndicatorYearView,
  InstallationIdentity,
  MergeSource,
  MergeSummary,
  MonthTotals,
  SenderStatus,
  StatisticsRow,
  StatisticsView,
  TrustedSender,
  WrittenFiles,
} from './contract';
/** A published count; `null` when suppressed. */
export type Cell = number | null;

export const statisticsGet = (from: string, to: string) =>
  guard(commands.statisticsGet(from, to));

export const exportWrite = (from: string, to: string, folder: string | null) =>
  guard(commands.exportWrite(from, to, folder));

export const exportImport = (paths: string[], folder: string | null) =>
  guard(commands.exportImport(paths, folder));

export const exportInspect = (paths: string[]) => guard(commands.exportInspect(paths));

export const senderTrust = (installationId: string, publicKey: string, label: string) =>
  guard(commands.senderTrust(installationId, publicKey, label));

export const senderUntrust = (installationId: string) => guard(commands.senderUntrust(installationId));

export const sendersList = () => guard(commands.sendersList());

export const installationIdentity = () => guard(commands.installationIdentityGet());

export const indicatorYearGet = (year: number) =>
  guard(commands.indicatorYearGet(year));

export const denominatorSet = (unit: string, year: number, indicator: string, value: number | null) =>
  guard(commands.indicatorDenominatorSet(unit, year, indicator, value));

/** A share in percent, Swedish style ("25,0 %"), or "–". */
export function formatShare(share: number | null, lang: 'sv' | 'en' = 'sv'): string {
  if (share === null) return '–';
  const text = share.toFixed(1);
  return lang === 'sv' ? `${text.replace('.', ',')} %` : `${text} %`;
}

export const thresholdSet = (value: number) => guard(commands.settingsThresholdSet(value));

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
