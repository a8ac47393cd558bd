// Translations through i18next, made reactive for Svelte 5: `t()` reads the current language
// rune, so every template that calls it re-renders when the language changes.
// Swedish is the working language and the fallback for any missing English text.
import i18next from 'i18next';
import sv from '../locales/sv.json';
import en from '../locales/en.json';

export type Lang = 'sv' | 'en';
export const LANGS: { code: Lang; label: string }[] = [
  { code: 'sv', label: 'Svenska' },
  { code: 'en', label: 'English' },
];
const STORAGE_KEY = 'varna.lang';

const i18n = i18next.createInstance();
void i18n.init({
  lng: 'sv',
  fallbackLng: 'sv',
  resources: { sv: { translation: sv }, en: { translation: en } },
  initAsync: false,
  interpolation: { escapeValue: false },
  returnNull: false,
});

function initialLang(): Lang {
  try {
    const stored = globalThis.localStorage?.getItem(STORAGE_KEY);
    if (stored === 'sv' || stored === 'en') return stored;
  } catch {
    // storage unavailable: use the default
  }
  return 'sv';
}

let lang = $state<Lang>(initialLang());

export function t(key: string, options?: Record<string, unknown>): string {
  return i18n.t(key, { ...options, lng: lang });
}

export function currentLang(): Lang {
  return lang;
}

export function setLang(next: Lang): void {
  lang = next;
  try {
    globalThis.localStorage?.setItem(STORAGE_KEY, next);
  } catch {
    // not remembered; harmless
  }
  if (typeof document !== 'undefined') document.documentElement.lang = next;
}
