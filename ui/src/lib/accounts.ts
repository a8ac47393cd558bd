// Konton och enheter: accounts, units and one's own passphrase. The core checks every role.
import { call } from './api';
import type { Role } from './session';

/** Why a passphrase must be changed at the next sign-in (set by an administratör). */
export type PassphraseNotice = 'new_account' | 'reset' | 'reactivated';

export interface AccountOverview {
  id: string;
  username: string;
  displayName: string;
  role: Role;
  unitIds: string[];
  active: boolean;
  createdAt: string;
  mustChangePassphrase: PassphraseNotice | null;
  lastSignIn: string | null;
}

export interface Unit {
  id: string;
  code: string;
  name: string;
  active: boolean;
  closed_at: string | null;
}

export interface NewAccountInput {
  username: string;
  displayName: string;
  role: Role;
  unitIds: string[];
  passphrase: string;
}

export const ROLES: Role[] = ['handlaggare', 'arbetsledare', 'administrator'];

export const accountsList = () => call<AccountOverview[]>('accounts_list');
export const accountAdd = (account: NewAccountInput) => call<unknown>('account_add', { account });
export const accountRoleSet = (accountId: string, role: Role) =>
  call<unknown>('account_role_set', { accountId, role });
export const accountUnitsSet = (accountId: string, unitIds: string[]) =>
  call<unknown>('account_units_set', { accountId, unitIds });
export const accountDeactivate = (accountId: string) =>
  call<{ keyEpoch: number; revokedSlots: number; needNewPassphrase: string[] }>('account_deactivate', { accountId });
export const accountReactivate = (accountId: string, passphrase: string) =>
  call<unknown>('account_reactivate', { accountId, passphrase });
export const accountPassphraseReset = (accountId: string, passphrase: string) =>
  call<null>('account_passphrase_reset', { accountId, passphrase });
export const passphraseChange = (oldPassphrase: string, newPassphrase: string) =>
  call<null>('passphrase_change', { oldPassphrase, newPassphrase });

export const unitsList = () => call<Unit[]>('units_list');
export const unitAdd = (code: string, name: string) => call<Unit>('unit_add', { code, name });
export const unitRename = (unitId: string, name: string) => call<Unit>('unit_rename', { unitId, name });
export const unitClose = (unitId: string) => call<Unit>('unit_close', { unitId });
