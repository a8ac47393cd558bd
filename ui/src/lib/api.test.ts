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

describe('guard', () => {
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
    const { commands } = await import('./contract');
    const save = () => api.guard(commands.answerSave('s1', 'hot', null));
    let locked = 0;
    api.onLocked(() => locked++);
    await expect(api.guard(commands.myScreenings())).resolves.toBe('ok');
    await expect(api.guard(commands.screeningGet('x'))).rejects.toMatchObject({ code: 'not_found' });
    expect(locked).toBe(0);
    await expect(save()).rejects.toMatchObject({ code: 'locked' });
    expect(locked).toBe(1);
    api.onLocked(null);
    await expect(save()).rejects.toMatchObject({ code: 'locked' });
    expect(locked).toBe(1);
    vi.doUnmock('@tauri-apps/api/core');
  });
});

describe('the one door', () => {
  it('no module but the generated contract calls invoke', () => {
    const sources = import.meta.glob('../**/*.{ts,svelte}', { query: '?raw', import: 'default', eager: true }) as Record<string, string>;
    const callers = Object.entries(sources)
      .filter(([path]) => !path.endsWith('.test.ts') && !/(^|\/)lib\/contract\.ts$|^\.\/contract\.ts$/.test(path))
      .filter(([, text]) => /\binvoke\b/.test(text) && /@tauri-apps\/api\/core/.test(text))
      .map(([path]) => path);
    expect(Object.keys(sources).length).toBeGreaterThan(40);
    expect(callers).toEqual([]);
  });
});
