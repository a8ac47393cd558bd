// Lists read page by page (the start page, the review queue, the access log). The core
// orders every list and hands out a cursor (`next`) for the page after; the UI only shows
// the pages in the order they came and asks for the next one with that cursor.
import type { Page } from './contract';
import { currentLang } from './i18n.svelte';

export type { MyList, Page, PageRequest, QueueList } from './contract';

/** A list's first page from the fields of a first-pages answer (`MyScreenings`,
 *  `ReviewQueue`): its items, the cursor of the next page and the total. */
export function firstPage<T>(items: T[], next: string | null | undefined, total: number | null | undefined): Page<T> {
  return { items, next: next ?? null, total: total ?? null };
}

/** `shown` with the page `more` appended after it: the cursor (and total) of `more`. */
export function appendPage<T>(shown: Page<T>, more: Page<T>): Page<T> {
  return { items: [...shown.items, ...more.items], next: more.next, total: more.total ?? shown.total };
}

/** A count in the UI's language ("10 000" in Swedish, "10,000" in English). */
export function formatCount(n: number): string {
  return new Intl.NumberFormat(currentLang() === 'sv' ? 'sv-SE' : 'en-GB').format(n);
}
