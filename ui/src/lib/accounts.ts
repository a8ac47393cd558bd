// Konton och enheter: accounts, units and one's own passphrase. The core checks every role.
import { guard } from './api';
import { commands } from './contract';

// The shapes are generated from Rust (./contract.ts, `make contract`).
export type { AccountOverview, PassphraseNotice, Unit } from './contract';
/** A new account as the form sends it. */
export type { AccountInput as NewAccountInput } from './contract';
import type { AccountInput, Role } from './contract';

export const ROLES: Role[] = ['handlaggare', 'arbetsledare', 'administrator'];

export const accountsList = () => guard(commands.accountsList());
export const accountAdd = (account: AccountInput) => guard(commands.accountAdd(account));
export const accountRoleSet = (accountId: string, role: Role) => guard(commands.accountRoleSet(accountId, role));
export const accountUnitsSet = (accountId: string, unitIds: string[]) =>
  guard(commands.accountUnitsSet(accountId, unitIds));
export const accountDeactivate = (accountId: string) => guard(commands.accountDeactivate(accountId));
export const accountReactivate = (accountId: string, passphrase: string) =>
  guard(commands.accountReactivate(accountId, passphrase));
export const accountRemove = (accountId: string) => guard(commands.accountRemove(accountId));
export const accountPassphraseReset = (accountId: string, passphrase: string) =>
  guard(commands.accountPassphraseReset(accountId, passphrase));
export const passphraseChange = (oldPassphrase: string, newPassphrase: string) =>
  guard(commands.passphraseChange(oldPassphrase, newPassphrase));

export const unitsList = () => guard(commands.unitsList());
export const unitAdd = (code: string, name: string) => guard(commands.unitAdd(code, name));
export const unitRename = (unitId: string, name: string) => guard(commands.unitRename(unitId, name));
export const unitClose = (unitId: string) => guard(commands.unitClose(unitId));
