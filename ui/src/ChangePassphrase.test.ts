import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/svelte';

// A passphrase set by an administratör must be replaced before anything else is shown.
let notice: string | null = null;
const calls: { cmd: string; args: unknown }[] = [];
let changeAnswer: unknown = null;
vi.mock('@tauri-apps/api/event', () => ({ listen: vi.fn(async () => () => {}) }));
vi.mock('@tauri-apps/api/core', () => ({
  invoke: vi.fn(async (cmd: string, args: unknown) => {
    calls.push({ cmd, args });
    if (cmd === 'app_info') {
      return { version: '0', dataDir: '/d', initialized: true, unlocked: false, unlockWaitSeconds: 0 };
    }
    if (cmd === 'unlock') {
      return {
        username: 'nina', displayName: 'Nina Ny', role: 'handlaggare', units: [],
        autoLockMinutes: 10, instrumentProblems: [], auditProblem: null, mustChangePassphrase: notice,
      };
    }
    if (cmd === 'passphrase_change' && changeAnswer) throw changeAnswer;
    if (cmd === 'my_screenings') return { drafts: [], completed: [] };
    if (cmd === 'instruments_list') return [];
    return null;
  }),
}));

import App from './App.svelte';
import { setLang } from './lib/i18n.svelte';

async function signIn() {
  render(App);
  await waitFor(() => screen.getByTestId('unlock-username'));
  await fireEvent.input(screen.getByTestId('unlock-username'), { target: { value: 'nina' } });
  await fireEvent.input(screen.getByTestId('unlock-passphrase'), { target: { value: 'engångsfras 123' } });
  await fireEvent.click(screen.getByTestId('unlock-submit'));
  await waitFor(() => screen.getByTestId('signed-in'));
}

async function fill(old: string, next: string, again = next) {
  await fireEvent.input(screen.getByTestId('change-old'), { target: { value: old } });
  await fireEvent.input(screen.getByTestId('change-new'), { target: { value: next } });
  await fireEvent.input(screen.getByTestId('change-again'), { target: { value: again } });
  await fireEvent.submit(screen.getByTestId('change-submit').closest('form')!);
}

describe('changing the passphrase', () => {
  afterEach(cleanup);
  beforeEach(() => {
    setLang('sv');
    calls.length = 0;
    changeAnswer = null;
  });

  it('forces a new account to choose its own passphrase before the workspace', async () => {
    notice = 'new_account';
    await signIn();
    const box = screen.getByTestId('change-passphrase');
    expect(screen.getByTestId('change-notice').textContent).toContain('engångslösenfras');
    expect(screen.queryByTestId('tabs')).toBeNull();
    expect(screen.queryByTestId('change-cancel')).toBeNull();
    expect(document.activeElement).toBe(screen.getByTestId('change-old'));
    // The two new ones must match; nothing is sent before they do.
    await fill('engångsfras 123', 'min egen långa fras 1', 'min egen långa fras 2');
    expect(box.textContent).toContain('olika');
    expect(calls.some((c) => c.cmd === 'passphrase_change')).toBe(false);
    // A weak one is refused by the core, in Swedish, and the screen stays.
    changeAnswer = { code: 'weak_passphrase', message: 'weak' };
    await fill('engångsfras 123', 'kort fras', 'kort fras');
    expect((await screen.findByTestId('error')).textContent).toContain('för lätt att gissa');
    changeAnswer = null;
    await fill('engångsfras 123', 'min egen långa fras 1');
    await waitFor(() => expect(screen.queryByTestId('change-passphrase')).toBeNull());
    expect(calls.filter((c) => c.cmd === 'passphrase_change').at(-1)?.args).toEqual({
      oldPassphrase: 'engångsfras 123', newPassphrase: 'min egen långa fras 1',
    });
  });

  it('tells the person that an administratör reset the passphrase', async () => {
    notice = 'reset';
    await signIn();
    expect(screen.getByTestId('change-notice').dataset.notice).toBe('reset');
    expect(screen.getByTestId('change-notice').textContent).toContain('återställts av en administratör');
  });

  it('lets every role change its own passphrase from the top bar, and cancel', async () => {
    notice = null;
    await signIn();
    expect(screen.queryByTestId('change-passphrase')).toBeNull();
    await fireEvent.click(screen.getByTestId('change-own'));
    expect(screen.getByTestId('change-passphrase')).toBeTruthy();
    expect(screen.queryByTestId('change-notice')).toBeNull();
    await fireEvent.click(screen.getByTestId('change-cancel'));
    expect(screen.queryByTestId('change-passphrase')).toBeNull();
  });
});
