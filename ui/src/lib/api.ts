// The one door to the Rust side. Commands reject with `{code, message}`; we turn that into
// an `AppError` whose code the UI translates (`errors.<code>`). Raw messages are never shown.
import { invoke } from '@tauri-apps/api/core';

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

export async function call<T>(command: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (raw) {
    const error = toAppError(raw);
    if (error.code === 'locked') lockedHandler?.();
    throw error;
  }
}
