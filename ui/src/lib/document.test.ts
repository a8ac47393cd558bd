import { describe, expect, it } from 'vitest';
import { isJournalShortcut, pdfFileName, printedLine, type DocumentModel } from './document';

describe('pdfFileName', () => {
  it('names the file by instrument and date only', () => {
    expect(pdfFileName('patriark-stil', '2026-11-30')).toBe('patriark-stil-2026-11-30.pdf');
  });
  it('keeps anything odd out of the name', () => {
    expect(pdfFileName('../x y', '2026/11/30')).toBe('x-y-2026-11-30.pdf');
    expect(pdfFileName('', '2026-11-30')).toBe('screening-2026-11-30.pdf');
  });
});

describe('printedLine', () => {
  it('fills in who and when', () => {
    const m = { printed: { at: '2026-12-03 08:15', by: 'Hanna' }, texts: { printed: 'Utskrivet {at} av {by}' } };
    expect(printedLine(m as unknown as DocumentModel)).toBe('Utskrivet 2026-12-03 08:15 av Hanna');
  });
});

describe('isJournalShortcut', () => {
  const k = (key: string, mods: Partial<Record<'altKey' | 'ctrlKey' | 'metaKey' | 'shiftKey', boolean>> = {}) => ({
    key, altKey: false, ctrlKey: false, metaKey: false, shiftKey: false, ...mods,
  });
  it('is Alt+J and nothing else', () => {
    expect(isJournalShortcut(k('j', { altKey: true }))).toBe(true);
    expect(isJournalShortcut(k('J', { altKey: true }))).toBe(true);
    expect(isJournalShortcut(k('j'))).toBe(false);
    expect(isJournalShortcut(k('j', { altKey: true, ctrlKey: true }))).toBe(false);
    expect(isJournalShortcut(k('k', { altKey: true }))).toBe(false);
  });
});
