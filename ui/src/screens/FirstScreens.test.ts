import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { cleanup, render, screen, waitFor } from '@testing-library/svelte';

const calls: { cmd: string; args: unknown }[] = [];
let failReady = false;
vi.mock('@tauri-apps/api/core', () => ({
  invoke: vi.fn(async (cmd: string, args: unknown) => {
    calls.push({ cmd, args });
    if (cmd === 'ui_ready' && failReady) throw { code: 'invalid_input', message: 'nope' };
    return null;
  }),
}));

import Unlock from './Unlock.svelte';
import Setup from './Setup.svelte';
import { setLang } from '../lib/i18n.svelte';

describe('the first screens', () => {
  afterEach(cleanup);
  beforeEach(() => {
    setLang('sv');
    calls.length = 0;
    failReady = false;
  });

  it('unlock puts the cursor in the user name and reports ready once', async () => {
    render(Unlock, { onUnlocked: () => {}, initialWait: 0 });
    expect(document.activeElement).toBe(screen.getByTestId('unlock-username'));
    await waitFor(() => expect(calls).toEqual([{ cmd: 'ui_ready', args: { screen: 'unlock' } }]));
  });

  it('first run puts the cursor in the name field and reports ready as setup', async () => {
    render(Setup, { onDone: () => {} });
    expect(document.activeElement).toBe(screen.getByTestId('setup-name'));
    await waitFor(() => expect(calls).toEqual([{ cmd: 'ui_ready', args: { screen: 'setup' } }]));
  });

  it('a refused ready signal does not disturb the unlock screen', async () => {
    failReady = true;
    render(Unlock, { onUnlocked: () => {}, initialWait: 0 });
    await waitFor(() => expect(calls.length).toBe(1));
    expect(screen.queryByTestId('error')).toBeNull();
    expect(screen.getByTestId('unlock-title').textContent).not.toBe('');
  });
});
