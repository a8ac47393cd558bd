// The texts behind the sign-in and all English texts are loaded lazily: a fresh copy of the
// i18n module (the setup file loaded everything into the shared one) shows what the unlock
// screen has before anything else arrives, and what changes when it does.
import { describe, expect, it, vi } from 'vitest';

async function fresh() {
  vi.resetModules();
  return import('./i18n.svelte');
}

describe('i18n, lazily loaded texts', () => {
  it('has the first screens\' Swedish texts before anything is loaded, and not the rest', async () => {
    const i18n = await fresh();
    expect(i18n.textsLoaded('sv')).toBe(false);
    expect(i18n.t('unlock.title')).not.toBe('unlock.title');
    expect(i18n.t('backup.restore.title')).not.toBe('backup.restore.title');
    expect(i18n.t('accounts.change.title')).not.toBe('accounts.change.title');
    expect(i18n.t('screening.home.title')).toBe('screening.home.title');
    await i18n.loadTexts('sv');
    expect(i18n.textsLoaded('sv')).toBe(true);
    expect(i18n.textsLoaded('en')).toBe(false);
    expect(i18n.t('screening.home.title')).not.toBe('screening.home.title');
  });

  it('switches to English at once, in Swedish until the English texts arrive', async () => {
    const i18n = await fresh();
    const sv = i18n.t('firstRun.title');
    i18n.setLang('en');
    expect(i18n.currentLang()).toBe('en');
    expect(i18n.t('firstRun.title')).toBe(sv);
    await i18n.loadTexts('en');
    expect(i18n.t('firstRun.title')).toBe('Welcome to Värna');
    expect(i18n.t('screening.home.title')).not.toBe('screening.home.title');
    i18n.setLang('sv');
  });

  it('renders again when texts arrive', async () => {
    const i18n = await fresh();
    const { watch } = await import('../testing/watch.svelte');
    const w = watch(() => i18n.t('screening.home.title'));
    await i18n.loadTexts('sv');
    w.flush();
    w.stop();
    expect(w.seen[0]).toBe('screening.home.title');
    expect(w.seen.at(-1)).toBe('Mina screeningar');
  });
});
