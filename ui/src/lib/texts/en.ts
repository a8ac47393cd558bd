// Every English text: a chunk of its own, loaded when needed (see ../i18n.svelte.ts).
import en from '../../locales/en.json';
import screening from '../../locales/en/screening.json';
import review from '../../locales/en/review.json';
import stats from '../../locales/en/stats.json';
import admin from '../../locales/en/admin.json';
import accounts from '../../locales/en/accounts.json';
import backup from '../../locales/en/backup.json';
import instruments from '../../locales/en/instruments.json';

export default { ...en, screening, review, stats, admin, accounts, backup, instruments };
