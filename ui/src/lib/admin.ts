// Administration commands: the access log (loggkontroll) and retention (gallring).
import { listen, type UnlistenFn } from '@tauri-apps/api/event';
import { guard } from './api';
import { AUDIT_EVENTS, commands } from './contract';

// The shapes are generated from Rust (./contract.ts, `make contract`).
export type {
  AuditEntry,
  AuditFilter,
  AuditReport,
  BackupWritten,
  ClockWarning,
  RetentionHold,
  RetentionItem,
  RetentionProgress,
  RetentionReport,
  RetentionSettings,
} from './contract';
import type { AuditFilter, RetentionProgress, RetentionSettings } from './contract';

/** The access log's event codes, from the core. */
export const EVENTS = AUDIT_EVENTS;

export function cleanFilter(f: AuditFilter): AuditFilter {
  const out: AuditFilter = {};
  for (const [k, v] of Object.entries(f) as [keyof AuditFilter, unknown][]) {
    if (typeof v === 'string' && v.trim() !== '') (out as Record<string, unknown>)[k] = v.trim();
    if (typeof v === 'number') (out as Record<string, unknown>)[k] = v;
  }
  return out;
}

export const auditList = (filter: AuditFilter) => guard(commands.auditList(cleanFilter(filter)));
/** A page of the access log, newest first: the first one, or the one after the cursor
 *  `after` (the previous page's `next`) with the same filter. */
export const auditPage = (filter: AuditFilter, after: string | null = null) =>
  guard(commands.auditPage(cleanFilter(filter), after ? { after } : {}));
/** The whole chain checked now (on demand: it reads every row, seconds on a large log). */
export const auditVerify = () => guard(commands.auditVerify());
/** The check made at unlock, from the verified checkpoint (`null` for other roles). */
export const auditStatus = () => guard(commands.auditStatus());
export const retentionGet = () => guard(commands.retentionGet());
export const retentionSet = (settings: RetentionSettings) => guard(commands.retentionSet(settings));
export const retentionPreview = () => guard(commands.retentionPreview());
export const retentionRun = (confirmClock = false) => guard(commands.retentionRun(confirmClock));
export const retentionHold = () => guard(commands.retentionHold());
export const retentionConfirm = () => guard(commands.retentionConfirm());

/** The event the shell emits before each batch of a retention run and after the last. */
export const RETENTION_PROGRESS_EVENT = 'varna://retention-progress';
/** Follows the progress of retention runs (done of total) until the returned function is
 *  called. */
export const onRetentionProgress = (f: (p: RetentionProgress) => void): Promise<UnlistenFn> =>
  listen<RetentionProgress>(RETENTION_PROGRESS_EVENT, (e) => f(e.payload));
/** A count with the language's digit grouping ("1 200" in Swedish). */
export const formatCount = (n: number, lang: string) =>
  new Intl.NumberFormat(lang === 'sv' ? 'sv-SE' : 'en-GB').format(n);

export const backupWrite = (folder: string) =>
  guard(commands.backupWrite(folder.trim() === '' ? null : folder.trim()));

export const autoLockSet = (minutes: number) => guard(commands.autoLockSet(minutes));

export const backupReminderSet = (days: number) => guard(commands.backupReminderSet(days));
