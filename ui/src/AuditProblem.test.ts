import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/svelte';

// The shell reports what the check at unlock found (a broken log, or a rolled-back
// database or folder) in the session; the page shows it and never hides it.
let auditProblem: { seq: number; reason: string } | null = null;
vi.mock('@tauri-apps/api/event', () => ({ listen: vi.fn(async () => () => {}) }));
vi.mock('@tauri-apps/api/core', () => ({
  invoke: vi.fn(async (cmd: string) => {
    if (cmd === 'app_info') {
      return { version: '0', dataDir: '/d', initialized: true, unlocked: false, unlockWaitSeconds: 0 };
    }
    if (cmd === 'unlock') {
      return {
        username: 'anna', displayName: 'Anna', role: 'administrator', units: [],
        autoLockMinutes: 10, instrumentProblems: [], auditProblem,
      };
    }
    if (cmd === 'audit_list') return [];
    if (cmd === 'retention_get') return { completedMonths: 0, draftDays: 0 };
    if (cmd === 'retention_hold') return null;
    if (cmd === 'statistics_get') return null;
    return null;
  }),
}));

import App from './App.svelte';
import { setLang } from './lib/i18n.svelte';

async function signIn() {
  render(App);
  await waitFor(() => screen.getByTestId('unlock-username'));
  await fireEvent.input(screen.getByTestId('unlock-username'), { target: { value: 'anna' } });
  await fireEvent.input(screen.getByTestId('unlock-passphrase'), { target: { value: 'x'.repeat(12) } });
  await fireEvent.click(screen.getByTestId('unlock-submit'));
  await waitFor(() => screen.getByTestId('signed-in'));
}

describe('the check at unlock', () => {
  afterEach(cleanup);
  beforeEach(() => setLang('sv'));

  it('shows a rollback found at unlock to the administratör, with the reason', async () => {
    auditProblem = { seq: 12, reason: 'the database was rolled back: its access log ends at row 11' };
    await signIn();
    const banner = screen.getByTestId('audit-problem');
    expect(banner.getAttribute('role')).toBe('alert');
    expect(banner.textContent).toContain('äldre läge');
    expect(banner.textContent).toContain('rolled back');
  });

  it('shows nothing when the log is intact', async () => {
    auditProblem = null;
    await signIn();
    expect(screen.queryByTestId('audit-problem')).toBeNull();
  });
});
