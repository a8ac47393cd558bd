// Screens behind the sign-in are loaded on first use, or preloaded once the first screen has
// painted, so the script the unlock screen waits for carries only what it needs (Chart.js and
// the work, review, statistics and administration screens come in later chunks).

/** A loader that runs `load` once and keeps its promise; a failed load is tried again. */
export function lazy<T>(load: () => Promise<T>): () => Promise<T> {
  let pending: Promise<T> | null = null;
  return () =>
    (pending ??= load().catch((e: unknown) => {
      pending = null;
      throw e;
    }));
}

/** Runs `work` after the next paint (two animation frames), when the page is idle. */
export function afterFirstPaint(work: () => void): void {
  if (typeof requestAnimationFrame !== 'function') {
    setTimeout(work, 0);
    return;
  }
  requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(work, 0)));
}
