// A backup's or a restore's progress: the shell emits `varna://progress` (PROGRESS_EVENT)
// with a TaskProgress while the command runs (see src-tauri/src/progress.rs).
import { listen } from '@tauri-apps/api/event';
import { PROGRESS_EVENT, type Task, type TaskProgress } from './contract';
import { t } from './i18n.svelte';

export type { Task, TaskProgress } from './contract';

/** Calls `onProgress` with each progress of `task`; resolves to the function that stops it. */
export async function followProgress(task: Task, onProgress: (p: TaskProgress) => void): Promise<() => void> {
  return listen<TaskProgress>(PROGRESS_EVENT, (e) => {
    if (e.payload?.task === task) onProgress(e.payload);
  });
}

/** "Säkerhetskopierar … 45 %", or without a percent before the first report. */
export function progressText(task: Task, p: TaskProgress | null): string {
  if (!p) return t(`backup.progress.starting.${task}`);
  return t(`backup.progress.${task}`, { percent: Math.max(0, Math.min(100, Math.round(p.percent))) });
}

/** What is being done now ("Kontrollerar kopian"), or '' before the first report. */
export const stepText = (p: TaskProgress | null): string => (p ? t(`backup.progress.steps.${p.step}`) : '');
