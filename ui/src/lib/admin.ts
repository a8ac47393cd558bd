// Administration commands: the access log (loggkontroll) and retention (gallring).
import { call } from './api';

export interface AuditEntry {
  seq: number;
  at: string;
  actorId: string | null;
  actorUsername: string | null;
  actorName: string | null;
  event: string;
  objectKind: string;
  objectId: string;
  detail: string;
}

export interface AuditFilter {
  person?: string;
  objectId?: string;
  event?: string;
  from?: string;
  to?: string;
  limit?: number;
}

export interface AuditReport {
  ok: boolean;
  rows: number;
  firstBroken: { seq: number; reason: string } | null;
}

export interface RetentionSettings {
  completedMonths: number;
  draftDays: number;
}

export interface RetentionItem {
  screeningId: string;
  status: 'completed' | 'draft';
  instrumentId: string;
  instrumentVersion: string;
  unitCode: string;
  completedAt: string | null;
  since: string;
}

export interface RetentionReport {
  completedRemoved: number;
  draftsRemoved: number;
  removed: RetentionItem[];
}

export interface ClockWarning {
  problem: 'behind' | 'jumped_ahead';
  now: string;
  reference: string;
}

export interface RetentionHold {
  heldAt: string | null;
  warning: ClockWarning;
  current: ClockWarning | null;
  preview: RetentionItem[];
}

/** Event codes as the core writes them (audit::Event::as_str). */
export const EVENTS = [
  'setup', 'unlock', 'unlock_failed', 'lock', 'screening_create', 'screening_open',
  'screening_complete', 'screening_discard', 'addendum_add', 'review_decision', 'export',
  'backup', 'restore', 'account_add', 'account_role', 'account_units', 'account_deactivate',
  'passphrase_reset', 'passphrase_change', 'recovery_key_rotate', 'unit_add', 'unit_rename',
  'settings_change', 'instrument_add', 'retention_settings', 'retention_run', 'retention_delete',
  'audit_broken', 'review_view', 'retention_held', 'retention_confirm', 'rekey',
  'rollback_detected', 'account_reactivate', 'unit_close', 'denominator_set',
  'instrument_retire', 'instrument_reactivate',
] as const;

/** Drops empty filter fields so the core sees only what the user chose. */
export function cleanFilter(f: AuditFilter): AuditFilter {
  const out: AuditFilter = {};
  for (const [k, v] of Object.entries(f) as [keyof AuditFilter, unknown][]) {
    if (typeof v === 'string' && v.trim() !== '') (out as Record<string, unknown>)[k] = v.trim();
    if (typeof v === 'number') (out as Record<string, unknown>)[k] = v;
  }
  return out;
}

export const auditList = (filter: AuditFilter) =>
  call<AuditEntry[]>('audit_list', { filter: cleanFilter(filter) });
export const auditVerify = () => call<AuditReport>('audit_verify');
export const retentionGet = () => call<RetentionSettings>('retention_get');
export const retentionSet = (settings: RetentionSettings) =>
  call<RetentionSettings>('retention_set', { settings });
export const retentionPreview = () => call<RetentionItem[]>('retention_preview');
/** Runs retention now; while the clock looks wrong the core refuses (`conflict`) unless
 * `confirmClock`. */
export const retentionRun = (confirmClock = false) =>
  call<RetentionReport>('retention_run', { confirmClock });
/** A held run (or a clock that looks wrong now); `null` when retention may run on its own. */
export const retentionHold = () => call<RetentionHold | null>('retention_hold');
/** Confirms the held run and runs it; the core logs who confirmed. */
export const retentionConfirm = () => call<RetentionReport>('retention_confirm');

export interface BackupWritten {
  path: string;
  createdAt: string;
  dbBytes: number;
}

export const backupWrite = (folder: string) =>
  call<BackupWritten>('backup_write', { folder: folder.trim() === '' ? null : folder.trim() });

export const autoLockSet = (minutes: number) => call<number>('auto_lock_set', { minutes });
