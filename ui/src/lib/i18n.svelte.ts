// Translations through i18next, made reactive for Svelte 5: `t()` reads the current language
// rune and the loaded-texts rune, so every template that calls it re-renders when the
// language changes or more texts arrive.
// Swedish is the working language and the fallback for any missing English text.
//
// Only the texts of the screens before the sign-in (the app's own texts and the `accounts`
// and `backup` namespaces, which the unlock, first-run and passphrase screens use) are in the
// script the unlock screen waits for. The other Swedish namespaces and all English texts are
// separate chunks (./texts/), loaded after the first paint, before a screen behind the
// sign-in renders (App.svelte), and when the language is switched. Until English has arrived
// a text shows in Swedish, the fallback; it re-renders in English a moment later.
import i18next from 'i18next';
import sv from '../locales/sv.json';
import svBackup from '../locales/sv/backup.json';
import svAccounts from '../locales/sv/accounts.json';
import { lazy } from './lazy';

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
    sv: { translation: { ...sv, backup: svBackup, accounts: svAccounts } },
  },
  initAsync: false,
  interpolation: { escapeValue: false },
  returnNull: false,
});

/** The rest of each language's texts, one chunk per language. */
const rest: Record<Lang, () => Promise<Record<string, unknown>>> = {
  sv: lazy(() => import('./texts/sv').then((m) => m.default)),
  en: lazy(() => import('./texts/en').then((m) => m.default)),
};
const loaded = new Set<Lang>();

// Every start is in Swedish. The UI keeps nothing in web storage (the webview's storage is
// outside the encrypted database); a per-user preference belongs in the store.
let lang = $state<Lang>('sv');
/** Bumped when texts arrive, so that `t()` callers render again. */
let textsVersion = $state(0);

/** Loads the texts of `which` not loaded yet (each language once); resolves when they can be shown. */
export async function loadTexts(which: Lang | 'all' = 'all'): Promise<void> {
  const langs: Lang[] = which === 'all' ? ['sv', 'en'] : which === 'en' ? ['sv', 'en'] : ['sv'];
  await Promise.all(
    langs
      .filter((l) => !loaded.has(l))
      .map(async (l) => {
        const bundle = await rest[l]();
        if (loaded.has(l)) return;
        i18n.addResourceBundle(l, 'translation', bundle, true, true);
        loaded.add(l);
        textsVersion++;
      }),
  );
}

/** Whether every text of `l` is loaded (the unlock screen's texts always are, in Swedish). */
export function textsLoaded(l: Lang): boolean {
  return loaded.has(l);
}

export function t(key: string, options?: Record<string, unknown>): string {
  void textsVersion;
  return i18n.t(key, { ...options, lng: lang });
}

export function currentLang(): Lang {
  return lang;
}

/** Switches the language at once; texts not loaded yet show in Swedish until they arrive. */
export function setLang(next: Lang): void {
  lang = next;
  if (typeof document !== 'undefined') document.documentElement.lang = next;
  if (!loaded.has(next)) void loadTexts(next).catch(() => undefined);
}
