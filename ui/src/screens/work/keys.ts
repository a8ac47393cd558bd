// The interview's keyboard map, as pure functions (tested in keys.test.ts); the controller
// (interview/controller.svelte.ts) acts on it.
//
//   J or Y      yes                       (yes/no items)
//   N           no                        (yes/no items)
//   V or D      "vill ej svara" / declined (items that allow it)
//   E or K      "vet ej" / don't know      (items that allow it)
//   1–9         the n-th option or level  (single choice, frequency, rating); toggles the
//               n-th option of a multiple choice; 0 there means "none of these"
//   codes       a rating level's code letter (e.g. N / ? / J) when it has one
//   0–9, 10…    the number on a scale (two digits typed quickly make 10–99)
//   Delete      remove the answer
//   Enter, ↓    next visible item (Enter on an option button chooses it first)
//   ↑           previous visible item
//   Ctrl+Enter  next item from inside a text field (Enter in a one-line field also moves on)
// Typing in a text field never triggers a shortcut.
import { choicesOf, type AnswerValue, type Item } from '../../lib/screening';

/** A key press, as much of a `KeyboardEvent` as the key map reads. */
export interface KeyPress {
  key: string;
  ctrlKey?: boolean;
  metaKey?: boolean;
  altKey?: boolean;
  shiftKey?: boolean;
}

/** Where a key was pressed, as the view describes it (`keyTargetOf` below). */
export interface KeyTarget {
  /** The answer key of the item group the target is in. */
  key: string;
  /** Typing goes here: a one-line field (Enter goes on) or another text entry (a text area,
   *  a select, a list entry's field: Ctrl+Enter goes on). */
  text?: 'line' | 'area';
  /** A button: an answer option (Enter chooses it) or another button (acts natively). */
  button?: 'option' | 'plain';
  /** Inside an incident calendar's month grid or incident list. */
  inCalendar?: boolean;
  /** Presses an option button (for Enter). */
  click?: () => void;
}

export const YES_KEYS = ['j', 'y'];
export const NO_KEYS = ['n'];
export const DECLINE_KEYS = ['v', 'd'];
export const DONT_KNOW_KEYS = ['e', 'k'];

/** The answer a key press gives on the focused item: a value, `null` to clear, or
 *  `undefined` when the key means nothing there. Scales are handled by `scaleDigit`. */
export function shortcutValue(
  item: Item,
  current: AnswerValue | undefined,
  key: string,
): AnswerValue | null | undefined {
  const k = key.toLowerCase();
  if (key === 'Delete') return current ? null : undefined;
  if (item.allow_decline && DECLINE_KEYS.includes(k)) return { type: 'declined' };
  if (item.allow_unknown && DONT_KNOW_KEYS.includes(k)) return { type: 'dont_know' };
  switch (item.type) {
    case 'yes_no':
      if (YES_KEYS.includes(k)) return { type: 'yes_no', value: true };
      if (NO_KEYS.includes(k)) return { type: 'yes_no', value: false };
      return undefined;
    case 'single_choice':
    case 'frequency':
    case 'rating': {
      const cs = choicesOf(item);
      if (/^[1-9]$/.test(key)) {
        const c = cs[Number(key) - 1];
        return c ? { type: 'choice', value: c.id } : undefined;
      }
      const byCode = cs.find((c) => c.code && c.code.toLowerCase() === k);
      return byCode ? { type: 'choice', value: byCode.id } : undefined;
    }
    case 'multi_choice': {
      if (key === '0') return { type: 'choices', value: [] };
      if (!/^[1-9]$/.test(key)) return undefined;
      const c = item.options[Number(key) - 1];
      if (!c) return undefined;
      const now = current?.type === 'choices' ? current.value : [];
      const next = now.includes(c.id) ? now.filter((x) => x !== c.id) : [...now, c.id];
      // keep the declared order of the options
      return { type: 'choices', value: item.options.map((o) => o.id).filter((id) => next.includes(id)) };
    }
    default:
      return undefined;
  }
}

/** A digit typed on a scale. `prev` is a digit typed just before on the same item (or null).
 *  Returns the value to save now (or null to wait for a possible second digit), and whether
 *  to wait. */
export function scaleDigit(
  min: number,
  max: number,
  prev: number | null,
  digit: number,
): { value: number | null; wait: boolean } {
  if (prev !== null) {
    const both = prev * 10 + digit;
    if (both >= min && both <= max) return { value: both, wait: false };
  }
  const canGrow = digit > 0 && digit * 10 <= max;
  if (digit < min || digit > max) return { value: null, wait: canGrow };
  return canGrow ? { value: null, wait: true } : { value: digit, wait: false };
}

/** The hint shown on the yes / no / decline buttons in the current language. */
export function keyHints(lang: 'sv' | 'en'): { yes: string; no: string; declined: string; dontKnow: string } {
  return lang === 'en'
    ? { yes: 'Y', no: 'N', declined: 'D', dontKnow: 'K' }
    : { yes: 'J', no: 'N', declined: 'V', dontKnow: 'E' };
}

/** Whether keys typed here are text (so no shortcut may fire). */
export function isTextEntry(el: Element | null): boolean {
  if (!el) return false;
  if (el instanceof HTMLTextAreaElement || el instanceof HTMLSelectElement) return true;
  if (el instanceof HTMLInputElement) {
    return !['button', 'checkbox', 'radio', 'submit', 'reset'].includes(el.type);
  }
  return (el as HTMLElement).isContentEditable === true;
}

/** Where a key was pressed, for the interview's controller: the item group's answer key and
 *  what the target is. Null outside an item group. */
export function keyTargetOf(el: HTMLElement): KeyTarget | null {
  const group = el.closest<HTMLElement>('[data-testid="item"]');
  const key = group?.dataset.key;
  if (!group || !key) return null;
  const at: KeyTarget = { key, inCalendar: el.closest('.calendar') !== null };
  if (isTextEntry(el)) {
    // a list entry's field (and a calendar's description) is not a one-line answer
    at.text = el instanceof HTMLInputElement && !el.closest('.list-editor') ? 'line' : 'area';
  } else if (el.tagName === 'BUTTON') {
    if (el.dataset.option) {
      at.button = 'option';
      at.click = () => el.click();
    } else at.button = 'plain';
  }
  return at;
}
