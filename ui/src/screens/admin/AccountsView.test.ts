import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';

const calls: { cmd: string; args: unknown }[] = [];
const answers: Record<string, unknown> = {};
vi.mock('@tauri-apps/api/core', () => ({
  invoke: vi.fn(async (cmd: string, args: unknown) => {
    calls.push({ cmd, args });
    const a = answers[cmd];
    if (a instanceof Error) throw { code: (a as Error & { code?: string }).code ?? 'forbidden', message: a.message };
    return a;
  }),
}));

import AccountsView from './AccountsView.svelte';
import { setLang } from '../../lib/i18n.svelte';

const IFO = { id: 'u-ifo', code: 'IFO', name: 'Individ- och familjeomsorg', active: true, closedAt: null };
const VUX = { id: 'u-vux', code: 'VUX', name: 'Vuxenenheten', active: false, closedAt: '2026-11-01T00:00:00Z' };
const admin = {
  id: 'a-1', username: 'anna', displayName: 'Anna Admin', role: 'administrator', unitIds: ['u-ifo'], active: true,
  createdAt: '2026-01-01T00:00:00Z', mustChangePassphrase: null, removedAt: null, lastSignIn: '2026-11-30T08:00:00Z',
};
const hanna = {
  id: 'a-2', username: 'hanna', displayName: 'Hanna H', role: 'handlaggare', unitIds: ['u-ifo', 'u-vux'], active: true,
  createdAt: '2026-01-01T00:00:00Z', mustChangePassphrase: 'new_account', removedAt: null, lastSignIn: null,
};
const conflict = (msg: string) => Object.assign(new Error(msg), { code: 'conflict' });
const of = (cmd: string) => calls.filter((c) => c.cmd === cmd).map((c) => c.args);

describe('AccountsView', () => {
  afterEach(cleanup);
  beforeEach(() => {
    setLang('sv');
    calls.length = 0;
    for (const k of Object.keys(answers)) delete answers[k];
    answers.accounts_list = [admin, hanna];
    answers.units_list = [IFO, VUX];
  });

  it('lists accounts in Swedish with role, units, status and last sign-in', async () => {
    render(AccountsView);
    const rows = await screen.findAllByTestId('account-row');
    expect(rows.map((r) => r.dataset.username)).toEqual(['anna', 'hanna']);
    expect(rows[0].textContent).toContain('administratör');
    expect(rows[0].textContent).toContain('2026-11-30 08:00:00 UTC');
    expect(rows[1].textContent).toContain('handläggare');
    expect(rows[1].textContent).toContain('IFO, VUX');
    expect(rows[1].textContent).toContain('Aldrig');
    expect(rows[1].textContent).toContain('Måste byta lösenfras');
    const units = screen.getAllByTestId('unit-row');
    expect(units[0].textContent).toContain('anna, hanna');
    expect(units[1].textContent).toContain('Stängd');
    // A closed unit has no actions.
    expect(within(units[1]).queryByTestId('unit-close')).toBeNull();
  });

  it('adds an account with a one-time passphrase, offering only open units', async () => {
    answers.account_add = {};
    render(AccountsView);
    await screen.findAllByTestId('account-row');
    expect(screen.getAllByTestId('add-unit').map((c) => c.dataset.code)).toEqual(['IFO']);
    await fireEvent.input(screen.getByTestId('add-name'), { target: { value: ' Nina Ny ' } });
    await fireEvent.input(screen.getByTestId('add-username'), { target: { value: 'nina' } });
    await fireEvent.change(screen.getByTestId('add-role'), { target: { value: 'arbetsledare' } });
    await fireEvent.click(screen.getByTestId('add-unit'));
    await fireEvent.input(screen.getByTestId('add-pass'), { target: { value: 'engångslösen för nina 7' } });
    await fireEvent.submit(screen.getByTestId('add-submit').closest('form')!);
    await screen.findByTestId('accounts-status');
    expect(of('account_add')).toEqual([
      { account: { username: 'nina', displayName: 'Nina Ny', role: 'arbetsledare', unitIds: ['u-ifo'], passphrase: 'engångslösen för nina 7' } },
    ]);
    expect(screen.getByTestId('accounts-status').textContent).toContain('Kontot nina är tillagt');
    await waitFor(() => expect((screen.getByTestId('add-pass') as HTMLInputElement).value).toBe(''));
  });

  it('says in Swedish why a username cannot be used again', async () => {
    answers.account_add = conflict('that username is already taken');
    render(AccountsView);
    await screen.findAllByTestId('account-row');
    await fireEvent.input(screen.getByTestId('add-name'), { target: { value: 'Hanna' } });
    await fireEvent.input(screen.getByTestId('add-username'), { target: { value: 'hanna' } });
    await fireEvent.input(screen.getByTestId('add-pass'), { target: { value: 'x'.repeat(12) } });
    await fireEvent.submit(screen.getByTestId('add-submit').closest('form')!);
    const err = await screen.findByTestId('accounts-error');
    expect(err.textContent).toContain('Användarnamnet är redan använt');
  });

  it('edits an account: the panel takes the focus, deactivation needs a confirmation', async () => {
    answers.account_role_set = {};
    answers.account_deactivate = { keyEpoch: 2, revokedSlots: 1, needNewPassphrase: [] };
    render(AccountsView);
    const rows = await screen.findAllByTestId('account-row');
    await fireEvent.click(within(rows[1]).getByTestId('account-edit'));
    const panel = await screen.findByTestId('account-panel');
    await waitFor(() => expect(document.activeElement?.id).toBe('account-panel-title'));
    expect(panel.textContent).toContain('Ändra Hanna H (hanna)');
    await fireEvent.change(screen.getByTestId('account-role'), { target: { value: 'arbetsledare' } });
    await fireEvent.submit(screen.getByTestId('account-role-save').closest('form')!);
    await waitFor(() => expect(of('account_role_set')).toEqual([{ accountId: 'a-2', role: 'arbetsledare' }]));

    await fireEvent.click(screen.getByTestId('account-deactivate'));
    expect(of('account_deactivate')).toEqual([]);
    await fireEvent.click(screen.getByTestId('account-deactivate-yes'));
    await waitFor(() => expect(of('account_deactivate')).toEqual([{ accountId: 'a-2' }]));
    expect((await screen.findByTestId('accounts-status')).textContent).toContain('hanna är inaktiverat');
  });

  it('explains the rule when the last administratör would be deactivated', async () => {
    answers.account_deactivate = conflict('you cannot deactivate your own account');
    render(AccountsView);
    const rows = await screen.findAllByTestId('account-row');
    await fireEvent.click(within(rows[0]).getByTestId('account-edit'));
    await fireEvent.click(await screen.findByTestId('account-deactivate'));
    await fireEvent.click(screen.getByTestId('account-deactivate-yes'));
    expect((await screen.findByTestId('accounts-error')).textContent).toContain('sista aktiva administratören');
  });

  it('resets a forgotten passphrase, and reactivates a deactivated account with a new one', async () => {
    answers.accounts_list = [admin, { ...hanna, active: false, mustChangePassphrase: null }];
    answers.account_reactivate = {};
    render(AccountsView);
    const rows = await screen.findAllByTestId('account-row');
    expect(rows[1].textContent).toContain('Inaktiverad');
    await fireEvent.click(within(rows[1]).getByTestId('account-edit'));
    expect(screen.queryByTestId('account-deactivate')).toBeNull();
    await fireEvent.input(screen.getByTestId('account-reactivate-pass'), { target: { value: 'ny engångsfras för hanna' } });
    await fireEvent.submit(screen.getByTestId('account-reactivate-submit').closest('form')!);
    await waitFor(() =>
      expect(of('account_reactivate')).toEqual([{ accountId: 'a-2', passphrase: 'ny engångsfras för hanna' }]),
    );

    cleanup();
    answers.accounts_list = [admin, hanna];
    answers.account_passphrase_reset = null;
    render(AccountsView);
    const again = await screen.findAllByTestId('account-row');
    await fireEvent.click(within(again[1]).getByTestId('account-edit'));
    await fireEvent.input(screen.getByTestId('account-reset-pass'), { target: { value: 'glömd men ny fras 99' } });
    await fireEvent.submit(screen.getByTestId('account-reset-submit').closest('form')!);
    await waitFor(() =>
      expect(of('account_passphrase_reset')).toEqual([{ accountId: 'a-2', passphrase: 'glömd men ny fras 99' }]),
    );
    expect((await screen.findByTestId('accounts-status')).textContent).toContain('får veta det vid nästa inloggning');
  });

  it('removes a deactivated account after a confirmation, and hides removed accounts unless asked', async () => {
    const gone = { ...hanna, active: false, mustChangePassphrase: null };
    answers.accounts_list = [admin, gone];
    answers.account_remove = { ...gone, removedAt: '2026-12-01T09:00:00Z' };
    render(AccountsView);
    const rows = await screen.findAllByTestId('account-row');
    await fireEvent.click(within(rows[1]).getByTestId('account-edit'));
    await fireEvent.click(screen.getByTestId('account-remove'));
    expect(of('account_remove')).toEqual([]);
    expect(screen.getByRole('alert').textContent).toContain('kan inte återaktiveras');
    answers.accounts_list = [admin, { ...gone, removedAt: '2026-12-01T09:00:00Z' }];
    await fireEvent.click(screen.getByTestId('account-remove-yes'));
    await waitFor(() => expect(of('account_remove')).toEqual([{ accountId: 'a-2' }]));
    expect((await screen.findByTestId('accounts-status')).textContent).toContain('hanna är borttaget ur kontolistan');
    // The removed account leaves the list and the panel; it is shown again only when asked for.
    await waitFor(() => expect(screen.getAllByTestId('account-row').map((r) => r.dataset.username)).toEqual(['anna']));
    await waitFor(() => expect(screen.queryByTestId('account-panel')).toBeNull());
    const show = screen.getByTestId('accounts-show-removed');
    expect(show.closest('label')!.textContent).toContain('Visa borttagna konton (1)');
    await fireEvent.click(show);
    const all = screen.getAllByTestId('account-row');
    expect(all[1].textContent).toContain('Borttaget 2026-12-01 09:00:00 UTC');
    // A removed account offers no actions: no reactivation, no second removal.
    await fireEvent.click(within(all[1]).getByTestId('account-edit'));
    expect(screen.queryByTestId('account-reactivate-pass')).toBeNull();
    expect(screen.queryByTestId('account-remove')).toBeNull();
  });

  it('explains why an active account cannot be removed', async () => {
    answers.accounts_list = [admin, { ...hanna, active: false, mustChangePassphrase: null }];
    answers.account_remove = conflict('deactivate the account before you remove it');
    render(AccountsView);
    const rows = await screen.findAllByTestId('account-row');
    await fireEvent.click(within(rows[1]).getByTestId('account-edit'));
    await fireEvent.click(screen.getByTestId('account-remove'));
    await fireEvent.click(screen.getByTestId('account-remove-yes'));
    expect((await screen.findByTestId('accounts-error')).textContent).toContain('Bara ett inaktiverat konto kan tas bort');
  });

  it('adds, renames and closes units (closing only after a confirmation)', async () => {
    answers.unit_add = {};
    answers.unit_rename = {};
    answers.unit_close = {};
    render(AccountsView);
    const units = await screen.findAllByTestId('unit-row');
    await fireEvent.input(screen.getByTestId('unit-add-code'), { target: { value: ' BoU ' } });
    await fireEvent.input(screen.getByTestId('unit-add-name'), { target: { value: 'Barn och unga' } });
    await fireEvent.submit(screen.getByTestId('unit-add-submit').closest('form')!);
    await waitFor(() => expect(of('unit_add')).toEqual([{ code: 'BoU', name: 'Barn och unga' }]));

    await fireEvent.click(within(units[0]).getByTestId('unit-rename'));
    await fireEvent.input(screen.getByTestId('unit-rename-name'), { target: { value: 'IFO Vuxen' } });
    await fireEvent.submit(screen.getByTestId('unit-rename-submit').closest('form')!);
    await waitFor(() => expect(of('unit_rename')).toEqual([{ unitId: 'u-ifo', name: 'IFO Vuxen' }]));

    await fireEvent.click(within(screen.getAllByTestId('unit-row')[0]).getByTestId('unit-close'));
    expect(of('unit_close')).toEqual([]);
    await fireEvent.click(screen.getByTestId('unit-close-yes'));
    await waitFor(() => expect(of('unit_close')).toEqual([{ unitId: 'u-ifo' }]));
  });

  it('shows the English texts when English is chosen', async () => {
    setLang('en');
    render(AccountsView);
    await screen.findAllByTestId('account-row');
    expect(screen.getByText('Accounts and units')).toBeTruthy();
    expect(screen.getAllByTestId('account-row')[1].textContent).toContain('Never');
  });
});
