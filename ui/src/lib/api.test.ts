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
