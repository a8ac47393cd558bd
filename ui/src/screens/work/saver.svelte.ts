// Save bookkeeping for one interview. Every save goes through one queue, so commands reach the
// core in the order they were given (a quick J then N must end as N) and the evaluation that
// is applied is always that of the last save. The status reads "saved" only when nothing is
// queued, in flight or waiting in a debounce, and no save has failed since.
import { SvelteMap, SvelteSet } from 'svelte/reactivity';
import { AppError } from '../../lib/api';

export type SaveState = 'idle' | 'saving' | 'saved' | 'error';

export class SaveQueue {
  /** Saves queued or in flight. */
  pending = $state(0);
  /** Whether any save has succeeded since the interview opened. */
  everSaved = $state(false);
  /** Failed saves by a label (e.g. `answer:hot`), with the error. Cleared by a later success. */
  readonly failed = new SvelteMap<string, AppError>();
  /** Labels with input waiting in a debounce (typed but not yet sent). */
  readonly unsent = new SvelteSet<string>();

  private tail: Promise<unknown> = Promise.resolve();

  get state(): SaveState {
    if (this.pending > 0 || this.unsent.size > 0) return 'saving';
    if (this.failed.size > 0) return 'error';
    return this.everSaved ? 'saved' : 'idle';
  }

  /** The most recent error, if any save is failing. */
  get error(): AppError | null {
    let last: AppError | null = null;
    for (const e of this.failed.values()) last = e;
    return last;
  }

  /** Runs `fn` after every earlier save; resolves with its result or rejects with an AppError. */
  run<T>(label: string, fn: () => Promise<T>): Promise<T> {
    this.pending += 1;
    const p = this.tail.then(fn);
    this.tail = p.catch(() => undefined);
    return p.then(
      (v) => {
        this.pending -= 1;
        this.failed.delete(label);
        this.everSaved = true;
        return v;
      },
      (e: unknown) => {
        this.pending -= 1;
        const err = e instanceof AppError ? e : new AppError('unknown', String(e));
        this.failed.set(label, err);
        throw err;
      },
    );
  }

  /** Waits until everything queued so far has settled. */
  async idle(): Promise<void> {
    await this.tail;
  }
}
