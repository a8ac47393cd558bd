// The Swedish texts of the screens behind the sign-in: a chunk of its own (see ../i18n.svelte.ts).
import screening from '../../locales/sv/screening.json';
import review from '../../locales/sv/review.json';
import stats from '../../locales/sv/stats.json';
import admin from '../../locales/sv/admin.json';
import instruments from '../../locales/sv/instruments.json';

export default { screening, review, stats, admin, instruments };
