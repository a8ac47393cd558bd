// Journal-ready output of a completed screening (crates/varna-core/src/document): the PDF/A
// document saved where the user chose, the same document for the system print dialog, and
// the journal text on the clipboard. The core decides who may and logs every output; the
// journal text never passes through the webview (the shell puts it on the clipboard).
import { guard } from './api';
import { commands } from './contract';
import { currentLang } from './i18n.svelte';

// The shapes are generated from Rust (./contract.ts, `make contract`); `DocumentModel` is
// exactly what the PDF is rendered from (model.rs).
export type { Block, Body, DocumentModel, Field, JournalCopied, SavedDocument } from './contract';
import type { DocumentModel } from './contract';

/** Saves the PDF/A document to `path` (created new; the core refuses an existing file). */
export const documentSavePdf = (id: string, path: string) =>
  guard(commands.documentSavePdf(id, path, currentLang()));

/** The document for the print view; the printing is logged by the core. */
export const documentPrint = (id: string) => guard(commands.documentPrint(id, currentLang()));

/** Puts the journal text on the clipboard; it is cleared after `clearAfterSeconds`. */
export const journalCopy = (id: string) => guard(commands.journalCopy(id, currentLang()));

/**
 * The suggested file name: instrument and date of the samtal only — never a name, a case
 * reference or anything else about the person, since file names show up in lists and logs.
 */
export function pdfFileName(instrumentId: string, conductedOn: string): string {
  const safe = (s: string) => s.replace(/[^A-Za-z0-9-]+/g, '-').replace(/^-+|-+$/g, '');
  return `${safe(instrumentId) || 'screening'}-${safe(conductedOn)}.pdf`;
}

/** The footer's print line, with the placeholders of the model's texts filled in. */
export function printedLine(model: DocumentModel): string {
  return model.texts.printed.replace('{at}', model.printed.at).replace('{by}', model.printed.by);
}

/** Whether a key press is the journal-copy shortcut (Alt+J). */
export function isJournalShortcut(e: Pick<KeyboardEvent, 'altKey' | 'ctrlKey' | 'metaKey' | 'shiftKey' | 'key'>): boolean {
  return e.altKey && !e.ctrlKey && !e.metaKey && !e.shiftKey && e.key.toLowerCase() === 'j';
}
