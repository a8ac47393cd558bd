import { describe, expect, it, beforeEach } from 'vitest';
import sv from '../locales/sv.json';
import en from '../locales/en.json';
import svScreening from '../locales/sv/screening.json';
import enScreening from '../locales/en/screening.json';
import svReview from '../locales/sv/review.json';
import enReview from '../locales/en/review.json';
import svStats from '../locales/sv/stats.json';
import enStats from '../locales/en/stats.json';
import svAdmin from '../locales/sv/admin.json';
import enAdmin from '../locales/en/admin.json';
import svInstruments from '../locales/sv/instruments.json';
import enInstruments from '../locales/en/instruments.json';
import { currentLang, setLang, t } from './i18n.svelte';

function keys(obj: Record<string, unknown>, prefix = ''): string[] {
  return Object.entries(obj).flatMap(([k, v]) =>
    v && typeof v === 'object' ? keys(v as Record<string, unknown>, `${prefix}${k}.`) : [`${prefix}${k}`],
  );
}

describe('i18n', () => {
  beforeEach(() => setLang('sv'));

  it('starts in Swedish', () => {
    expect(currentLang()).toBe('sv');
    expect(t('firstRun.title')).toBe('Välkommen till Värna');
  });

  it('switches to English and back', () => {
    setLang('en');
    expect(t('firstRun.title')).toBe('Welcome to Värna');
    expect(document.documentElement.lang).toBe('en');
    setLang('sv');
    expect(t('firstRun.title')).toBe('Välkommen till Värna');
  });

  it('interpolates values without HTML escaping them twice', () => {
    expect(t('firstRun.dataDir', { dir: '/tmp/a&b' })).toBe('Data sparas i: /tmp/a&b');
  });

  it('has an English text for every Swedish key and no English-only keys', () => {
    expect(keys(en).sort()).toEqual(keys(sv).sort());
    expect(keys(enScreening).sort()).toEqual(keys(svScreening).sort());
    expect(keys(enReview).sort()).toEqual(keys(svReview).sort());
    expect(keys(enStats).sort()).toEqual(keys(svStats).sort());
    expect(keys(enAdmin).sort()).toEqual(keys(svAdmin).sort());
    expect(keys(enInstruments).sort()).toEqual(keys(svInstruments).sort());
  });

  it('has a translation for every core error code', () => {
    const codes = [
      'invalid_input', 'invalid_instrument', 'wrong_passphrase', 'weak_passphrase', 'rate_limited', 'locked',
      'forbidden', 'not_found', 'conflict', 'corrupt', 'untrusted_sender', 'io', 'internal',
    ];
    for (const code of codes) {
      expect(t(`errors.${code}`)).not.toBe(`errors.${code}`);
    }
  });
});
