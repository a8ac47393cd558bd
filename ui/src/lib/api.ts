// The one door to the Rust side: every command is called through the generated client
// (`commands` in ./contract.ts) wrapped in `guard`. Commands reject with `{code, message}`;
// `guard` turns that into an `AppError` whose code the UI translates (`errors.<code>`). Raw
// messages are never shown.

export class AppError extends Error {
  constructor(
    public readonly code: string,
    message: string,
    /** For `rate_limited`: seconds until the next attempt is accepted. */
    public readonly waitSeconds?: number,
  ) {
    super(message);
  }
}

export function toAppError(raw: unknown): AppError {
  if (raw && typeof raw === 'object' && 'code' in raw && typeof raw.code === 'string') {
    const message = 'message' in raw && typeof raw.message === 'string' ? raw.message : raw.code;
    const wait = 'waitSeconds' in raw && typeof raw.waitSeconds === 'number' ? raw.waitSeconds : undefined;
    return new AppError(raw.code, message, wait);
  }
  return new AppError('unknown', String(raw));
}

// The core locks by itself (auto-lock after inactivity, also while the page is hung or the
// machine sleeps). A command that meets a locked store answers `locked`; the shell registers
// here to go to the lock screen whichever command it was.
let lockedHandler: (() => void) | null = null;

/** Sets what runs when any command answers `locked` (`null` removes it). */
export function onLocked(handler: (() => void) | null): void {
  lockedHandler = handler;
}

/** Awaits a command of the generated client (`commands` in ./contract.ts), turning its
 *  rejection into an `AppError` and calling the `locked` handler. */
export async function guard<T>(pending: Promise<T>): Promise<T> {
  try {
    return await pending;
  } catch (raw) {
    const error = toAppError(raw);
    if (error.code === 'locked') lockedHandler?.();
    throw error;
  }
}
