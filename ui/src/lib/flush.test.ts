import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Debounced, flushAll } from './flush';

describe('Debounced', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('saves only the last value, 500 ms after typing stops', async () => {
    const saved: string[] = [];
    const d = new Debounced<string>(async (v) => void saved.push(v));
    d.push('h');
    vi.advanceTimersByTime(300);
    d.push('he');
    vi.advanceTimersByTime(499);
    expect(saved).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(saved).toEqual(['he']);
    expect(d.dirty).toBe(false);
    d.dispose();
  });

  it('saves every 5 s while someone types without a pause', async () => {
    const saved: string[] = [];
    const d = new Debounced<string>(async (v) => void saved.push(v));
    let text = '';
    for (let ms = 0; ms < 12_000; ms += 200) {
      text += 'a';
      d.push(text);
      await vi.advanceTimersByTimeAsync(200);
    }
    // 12 s of typing, a key every 200 ms: never 500 ms of quiet, yet saved at 5 s and 10 s.
    expect(saved.map((s) => s.length)).toEqual([25, 50]);
    await vi.advanceTimersByTimeAsync(500);
    expect(saved.at(-1)).toBe(text);
    d.dispose();
  });

  it('flushAll saves pending input at once (before a lock)', async () => {
    const saved: string[] = [];
    const d = new Debounced<string>(async (v) => void saved.push(v));
    d.push('unsaved note');
    await flushAll();
    expect(saved).toEqual(['unsaved note']);
    d.dispose();
  });

  it('keeps a value whose save failed so the next flush retries it', async () => {
    let fail = true;
    const saved: string[] = [];
    const d = new Debounced<string>(async (v) => {
      if (fail) throw new Error('disk full');
      saved.push(v);
    });
    d.push('x');
    await expect(d.flush()).rejects.toThrow('disk full');
    expect(d.dirty).toBe(true);
    fail = false;
    await d.flush();
    expect(saved).toEqual(['x']);
    d.dispose();
  });
});
