// Translations through i18next, made reactive for Svelte 5: `t()` reads the current language
// rune, so every template that calls it re-renders when the language changes.
// Swedish is the working language and the fallback for any missing English text.
import i18next from 'i18next';
import sv from '../locales/sv.json';
import en from '../locales/en.json';
// Feature namespaces: each feature keeps its texts in its own file, under its own key prefix.
import svScreening from '../locales/sv/screening.json';
import enScreening from '../locales/en/screening.json';
import svReview from '../locales/sv/review.json';
import enReview from '../locales/en/review.json';
import svStats from '../locales/sv/stats.json';
import enStats from '../locales/en/stats.json';
import svAdmin from '../locales/sv/admin.json';
import enAdmin from '../locales/en/admin.json';
import svAccounts from '../locales/sv/accounts.json';
import enAccounts from '../locales/en/accounts.json';
import svBackup from '../locales/sv/backup.json';
import enBackup from '../locales/en/backup.json';
import svInstruments from '../locales/sv/instruments.json';
import enInstruments from '../locales/en/instruments.json';

export type Lang = 'sv' | 'en';
export const LANGS: { code: Lang; label: string }[] = [
  { code: 'sv', label: 'Svenska' },
  { code: 'en', label: 'English' },
];

const i18n = i18next.createInstance();
void i18n.init({
  lng: 'sv',
  fallbackLng: 'sv',
  resources: {
    sv: { translation: { ...sv, screening: svScreening, review: svReview, stats: svStats, admin: svAdmin, accounts: svAccounts, backup: svBackup, instruments: svInstruments } },
    en: { translation: { ...en, screening: enScreening, review: enReview, stats: enStats, admin: enAdmin, accounts: enAccounts, backup: enBackup, instruments: enInstruments } },
  },
  initAsync: false,
  interpolation: { escapeValue: false },
  returnNull: false,
});

// Every start is in Swedish. The UI keeps nothing in web storage (the webview's storage is
// outside the encrypted database); a per-user preference belongs in the store.
let lang = $state<Lang>('sv');

export function t(key: string, options?: Record<string, unknown>): string {
  return i18n.t(key, { ...options, lng: lang });
}

export function currentLang(): Lang {
  return lang;
}

export function setLang(next: Lang): void {
  lang = next;
  if (typeof document !== 'undefined') document.documentElement.lang = next;
}
