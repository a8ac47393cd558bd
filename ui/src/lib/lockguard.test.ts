import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LockGuard } from './lockguard';

function key(target: EventTarget, k: string) {
  target.dispatchEvent(new KeyboardEvent('keydown', { key: k, bubbles: true, cancelable: true }));
}

describe('LockGuard', () => {
  let clock = 0;
  let target: EventTarget;
  let reasons: string[];
  let guard: LockGuard;

  beforeEach(() => {
    vi.useFakeTimers();
    clock = 0;
    target = new EventTarget();
    reasons = [];
    guard = new LockGuard(target, { idleMs: 10_000, onLock: (r) => reasons.push(r), now: () => clock });
    guard.start();
  });
  afterEach(() => {
    guard.stop();
    vi.useRealTimers();
  });

  it('locks on Escape twice in quick succession', () => {
    key(target, 'Escape');
    clock += 300;
    key(target, 'Escape');
    expect(reasons).toEqual(['quick-hide']);
  });

  it('does not lock on two slow Escapes or an Escape followed by another key', () => {
    key(target, 'Escape');
    clock += 2000;
    key(target, 'Escape');
    key(target, 'a');
    clock += 100;
    key(target, 'Escape');
    expect(reasons).toEqual([]);
  });

  it('locks after the idle time and not before', () => {
    vi.advanceTimersByTime(9_999);
    expect(reasons).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(reasons).toEqual(['idle']);
  });

  it('activity restarts the idle timer', () => {
    vi.advanceTimersByTime(9_000);
    target.dispatchEvent(new Event('mousemove'));
    vi.advanceTimersByTime(9_000);
    key(target, 'j');
    vi.advanceTimersByTime(9_000);
    expect(reasons).toEqual([]);
    vi.advanceTimersByTime(1_000);
    expect(reasons).toEqual(['idle']);
  });

  it('fires once and then stays quiet until started again', () => {
    key(target, 'Escape');
    key(target, 'Escape');
    vi.advanceTimersByTime(20_000);
    expect(reasons).toEqual(['quick-hide']);
  });
});
