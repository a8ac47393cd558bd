// A User Timing mark (`performance.mark`) when a list screen's first command has returned,
// before the screen renders its rows. Benchmark 8's first-paint rows (docs/BENCHMARKS.md,
// tests/e2e/list_paint.rs) measure from this mark to the animation frame that shows the rows;
// the marks cost next to nothing and carry no data (only the screen's name).

export type ListScreen = 'home' | 'review' | 'log';

/** Marks that the data of `screen`'s first page has arrived. */
export function dataArrived(screen: ListScreen): void {
  if (typeof performance === 'undefined' || typeof performance.mark !== 'function') return;
  const name = `varna:data:${screen}`;
  // Only the latest mark of each screen is kept, so a long session does not grow the buffer.
  performance.clearMarks?.(name);
  performance.mark(name);
}
