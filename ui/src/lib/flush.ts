// Unsaved input must reach the core before the screen locks or the window closes.
// Components that buffer input (debounced text fields) register a flush function here;
// `flushAll` runs them all, bounded by a timeout so a hung save cannot block a quick-hide.

type Flusher = () => Promise<void>;
const flushers = new Set<Flusher>();

export function registerFlush(fn: Flusher): () => void {
  flushers.add(fn);
  return () => flushers.delete(fn);
}

export async function flushAll(timeoutMs = 2000): Promise<void> {
  const all = Promise.allSettled([...flushers].map((f) => f()));
  await Promise.race([all, new Promise((resolve) => setTimeout(resolve, timeoutMs))]);
}

/** A debounced saver: `push(v)` schedules `save(v)` after `delayMs` of quiet, and at the
 *  latest `maxWaitMs` after the first unsaved push, so someone typing without a pause still
 *  saves every few seconds (each save is also activity for the core's auto-lock timer, which
 *  counts commands, not keystrokes). `flush()` saves a pending value at once. Registered for
 *  lock/close flushing. */
export class Debounced<T> {
  private pending: { value: T } | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private maxTimer: ReturnType<typeof setTimeout> | null = null;
  private readonly unregister: () => void;

  constructor(
    private readonly save: (value: T) => Promise<void>,
    private readonly delayMs = 500,
    private readonly maxWaitMs = 5000,
  ) {
    this.unregister = registerFlush(() => this.flush());
  }

  push(value: T): void {
    this.pending = { value };
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.flush(), this.delayMs);
    if (this.maxTimer === null) {
      this.maxTimer = setTimeout(() => void this.flush(), this.maxWaitMs);
    }
  }

  get dirty(): boolean {
    return this.pending !== null;
  }

  async flush(): Promise<void> {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    if (this.maxTimer !== null) clearTimeout(this.maxTimer);
    this.maxTimer = null;
    const p = this.pending;
    if (!p) return;
    this.pending = null;
    try {
      await this.save(p.value);
    } catch (e) {
      // keep the value so a later flush retries, unless newer input replaced it
      if (this.pending === null) this.pending = p;
      throw e;
    }
  }

  dispose(): void {
    this.unregister();
    if (this.timer !== null) clearTimeout(this.timer);
    if (this.maxTimer !== null) clearTimeout(this.maxTimer);
  }
}
