import { describe, expect, it } from 'vitest';
import { fireEvent, render, screen } from '@testing-library/svelte';
import LanguageSwitch from './LanguageSwitch.svelte';
import { currentLang, setLang } from './i18n.svelte';

describe('LanguageSwitch', () => {
  it('marks the current language and switches on click', async () => {
    setLang('sv');
    render(LanguageSwitch);
    const sv = screen.getByRole('button', { name: 'Svenska' });
    const en = screen.getByRole('button', { name: 'English' });
    expect(sv.getAttribute('aria-pressed')).toBe('true');
    expect(en.getAttribute('aria-pressed')).toBe('false');
    await fireEvent.click(en);
    expect(currentLang()).toBe('en');
    expect(en.getAttribute('aria-pressed')).toBe('true');
    expect(screen.getByRole('group').getAttribute('aria-label')).toBe('Language');
  });
});
