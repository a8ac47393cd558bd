import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/svelte';

// "Om Värna": version, git commit and SQLCipher version from `app_info`, on the first screen.
vi.mock('@tauri-apps/api/event', () => ({ listen: vi.fn(async () => () => {}) }));
vi.mock('@tauri-apps/api/core', () => ({
  invoke: vi.fn(async (cmd: string) => {
    if (cmd === 'app_info') {
      return {
        version: '1.2.3',
        commit: '0123456789ab',
        sqlcipher: '4.6.1 community',
        dataDir: '/home/anna/.local/share/varna',
        initialized: true,
        unlocked: false,
        unlockWaitSeconds: 0,
      };
    }
    return null;
  }),
}));

import App from './App.svelte';
import { setLang } from './lib/i18n.svelte';

describe('the About view', () => {
  afterEach(cleanup);
  beforeEach(() => setLang('sv'));

  it('shows version, commit and SQLCipher version, in Swedish and English', async () => {
    render(App);
    const open = await waitFor(() => screen.getByTestId('about-open'));
    expect(open.textContent).toBe('Om Värna');
    expect(open.getAttribute('aria-expanded')).toBe('false');
    expect(screen.queryByTestId('about')).toBeNull();

    await fireEvent.click(open);
    expect(open.getAttribute('aria-expanded')).toBe('true');
    expect(screen.getByTestId('about-version').textContent).toBe('1.2.3');
    expect(screen.getByTestId('about-commit').textContent).toBe('0123456789ab');
    expect(screen.getByTestId('about-sqlcipher').textContent).toBe('4.6.1 community');
    expect(screen.getByTestId('about-data-dir').textContent).toBe('/home/anna/.local/share/varna');
    expect(screen.getByRole('heading', { name: 'Om Värna' })).toBeTruthy();
    expect(document.activeElement).toBe(screen.getByTestId('about-close'));

    await fireEvent.click(screen.getByTestId('lang-en'));
    expect(screen.getByRole('heading', { name: 'About Värna' })).toBeTruthy();
    expect(screen.getByTestId('about-close').textContent).toBe('Close');

    await fireEvent.click(screen.getByTestId('about-close'));
    expect(screen.queryByTestId('about')).toBeNull();
    expect(document.activeElement).toBe(open);
  });
});
