// Month arithmetic of the incident calendar (items/CalendarEditor.svelte), as pure functions.
// The core counts whole months back from the calendar's `asOf` (the day of the samtal);
// the grid shows the same months (crates/varna-core/src/instrument/calendar.rs).
import type { Incident } from '../../lib/screening';

export interface CalendarMonth {
  /** YYYY-MM */
  ym: string;
  /** Short label in the language, e.g. "maj -26". */
  label: string;
}

const pad = (n: number) => String(n).padStart(2, '0');

/** The `count` months up to and including the month of `asOf`, oldest first. */
export function calendarMonths(asOf: string, count: number, lang: 'sv' | 'en'): CalendarMonth[] {
  const y = Number(asOf.slice(0, 4));
  const m = Number(asOf.slice(5, 7)) - 1;
  if (!Number.isFinite(y) || !Number.isFinite(m)) return [];
  const fmt = new Intl.DateTimeFormat(lang === 'en' ? 'en-GB' : 'sv-SE', { month: 'short', year: '2-digit' });
  const out: CalendarMonth[] = [];
  for (let back = count - 1; back >= 0; back--) {
    const total = y * 12 + m - back;
    const yy = Math.floor(total / 12);
    const mm = total % 12;
    out.push({ ym: `${yy}-${pad(mm + 1)}`, label: fmt.format(new Date(yy, mm, 1)) });
  }
  return out;
}

/** The month (YYYY-MM) of an incident's date (YYYY-MM-DD or YYYY-MM). */
export function incidentMonth(date: string): string {
  return date.slice(0, 7);
}

/** Incidents most recent first (a month without a day sorts after that month's days). */
export function sortIncidents(list: Incident[]): Incident[] {
  const key = (d: string) => (d.length === 7 ? `${d}-00` : d);
  return [...list].sort((a, b) => (key(a.date) < key(b.date) ? 1 : key(a.date) > key(b.date) ? -1 : 0));
}
