// public/boot.js asks for `app_info` at parse time; the app takes that answer once.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { takeBootAppInfo, type AppInfo } from './session';

const w = globalThis as { __varnaBoot?: { appInfo?: Promise<AppInfo> } };
const info = { initialized: true, unlocked: false } as AppInfo;

describe('the app_info asked for at parse time', () => {
  afterEach(() => {
    w.__varnaBoot = undefined;
  });

  it('is taken once', async () => {
    w.__varnaBoot = { appInfo: Promise.resolve(info) };
    expect(await takeBootAppInfo()).toBe(info);
    expect(await takeBootAppInfo()).toBeNull();
  });

  it('is null outside the app and when the call failed (the app then asks again)', async () => {
    expect(await takeBootAppInfo()).toBeNull();
    const failed = Promise.reject(new Error('no'));
    failed.catch(() => {});
    w.__varnaBoot = { appInfo: failed };
    expect(await takeBootAppInfo()).toBeNull();
  });

  it('is asked for by the command the generated client calls', () => {
    const boot = readFileSync(resolve(__dirname, '../../public/boot.js'), 'utf8');
    const contract = readFileSync(resolve(__dirname, 'contract.ts'), 'utf8');
    const generated = contract.match(/async appInfo\(\)[^{]*\{\s*return await TAURI_INVOKE\("(\w+)"\)/)?.[1];
    expect(generated).toBe('app_info');
    expect(boot).toContain(`ipc.invoke('${generated}')`);
  });
});
