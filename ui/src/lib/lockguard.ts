// Two ways the screen locks without the lock button:
// - quick-hide: Escape pressed twice within `doubleEscMs` (someone walks into the room);
// - auto-lock: no keyboard, pointer or wheel activity for `idleMs`.
// Both call `onLock`. Pure DOM-event logic so it can be unit-tested with fake timers.

export interface LockGuardOptions {
  idleMs: number;
  doubleEscMs?: number;
  onLock: (reason: 'quick-hide' | 'idle') => void;
  now?: () => number;
}

export class LockGuard {
  private lastEsc = -Infinity;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private readonly doubleEscMs: number;
  private readonly now: () => number;
  private readonly activity = () => this.resetIdle();
  private readonly keydown = (e: KeyboardEvent) => this.onKey(e);

  constructor(
    private readonly target: EventTarget,
    private readonly opts: LockGuardOptions,
  ) {
    this.doubleEscMs = opts.doubleEscMs ?? 700;
    this.now = opts.now ?? (() => Date.now());
  }

  start(): void {
    this.target.addEventListener('keydown', this.keydown as EventListener, true);
    for (const ev of ['mousedown', 'mousemove', 'wheel', 'touchstart']) {
      this.target.addEventListener(ev, this.activity, { passive: true, capture: true });
    }
    this.resetIdle();
  }

  stop(): void {
    this.target.removeEventListener('keydown', this.keydown as EventListener, true);
    for (const ev of ['mousedown', 'mousemove', 'wheel', 'touchstart']) {
      this.target.removeEventListener(ev, this.activity, { capture: true });
    }
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  private onKey(e: KeyboardEvent): void {
    this.resetIdle();
    if (e.key !== 'Escape') {
      this.lastEsc = -Infinity;
      return;
    }
    const t = this.now();
    if (t - this.lastEsc <= this.doubleEscMs) {
      this.lastEsc = -Infinity;
      e.preventDefault();
      e.stopPropagation();
      this.fire('quick-hide');
    } else {
      this.lastEsc = t;
    }
  }

  private resetIdle(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.fire('idle'), this.opts.idleMs);
  }

  private fire(reason: 'quick-hide' | 'idle'): void {
    this.stop();
    this.opts.onLock(reason);
  }
}
