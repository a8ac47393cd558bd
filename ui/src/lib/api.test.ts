import { describe, expect, it } from 'vitest';
import { AppError, toAppError } from './api';

describe('toAppError', () => {
  it('keeps the code and message of a command error', () => {
    const e = toAppError({ code: 'wrong_passphrase', message: 'wrong passphrase or recovery key' });
    expect(e).toBeInstanceOf(AppError);
    expect(e.code).toBe('wrong_passphrase');
    expect(e.message).toBe('wrong passphrase or recovery key');
  });

  it('keeps the wait of a rate limit', () => {
    const e = toAppError({ code: 'rate_limited', message: 'wait', waitSeconds: 30 });
    expect(e.waitSeconds).toBe(30);
  });

  it('maps anything else to the unknown code', () => {
    expect(toAppError('boom').code).toBe('unknown');
    expect(toAppError(null).code).toBe('unknown');
    expect(toAppError({ code: 42 }).code).toBe('unknown');
  });
});

describe('call', () => {
  it('reports a locked store to the shell, whichever command met it', async () => {
    const { vi } = await import('vitest');
    vi.resetModules();
    vi.doMock('@tauri-apps/api/core', () => ({
      invoke: async (cmd: string) => {
        if (cmd === 'answer_save') throw { code: 'locked', message: 'the store is locked' };
        if (cmd === 'screening_get') throw { code: 'not_found', message: 'no such screening' };
        return 'ok';
      },
    }));
    const api = await import('./api');
    let locked = 0;
    api.onLocked(() => locked++);
    await expect(api.call('my_screenings')).resolves.toBe('ok');
    await expect(api.call('screening_get')).rejects.toMatchObject({ code: 'not_found' });
    expect(locked).toBe(0);
    await expect(api.call('answer_save')).rejects.toMatchObject({ code: 'locked' });
    expect(locked).toBe(1);
    api.onLocked(null);
    await expect(api.call('answer_save')).rejects.toMatchObject({ code: 'locked' });
    expect(locked).toBe(1);
    vi.doUnmock('@tauri-apps/api/core');
  });
});
