// The interview's controller: everything the interview does besides rendering, so that
// `Interview.svelte` is layout and this is testable without a page (controller.test.ts).
//
// - Saving. Every answer and note goes through one queue (`SaveQueue`), in the order given,
//   each after the previous one returned; the evaluation applied is the one of the last save
//   sent. Typed input (text, numbers, list fields, notes) waits in a debounce (500 ms) and is
//   flushed on blur, on Enter, before the summary and on lock (`flushAll`). A failed save shows
//   in the status and is retried by `retryAll`; a refused one-key answer is put back to what is
//   stored.
// - The position. Every answer stores the interview's position in its own transaction (the
//   core's rule, `Saved.position`). The debounced position save (300 ms) is for pure
//   navigation: a focus change that no answer followed. It is ordered with the answers: it goes
//   after the answers sent before it, and an answer goes after the position saves sent before
//   it; it is skipped when an answer to the focused item saved the position since.
// - Focus. Which answer key is current (`focusedKey`), moving to the next or previous shown
//   key (Enter, arrows), going on when the focused item is hidden by an answer. Where the
//   focus lands in the page is the view's part (`FocusPort`).
// - Keys. `handleKey` maps a key press on an item (described by the view: `KeyTarget`) to an
//   answer or a move, with the key map of keys.ts.
//
// The rules (which keys an item has, which are shown, progress, what counts as given) are the
// core's: read from `doc.keys` and `doc.evaluation`, never computed here.
import { tick } from 'svelte';
import { AppError } from '../../../lib/api';
import { Debounced } from '../../../lib/flush';
import { reconcile } from '../../../lib/reconcile';
import {
  allKeys, answerSave, findItem, noteSave, positionSave, screeningDiscard,
  type AnswerValue, type Evaluation, type Item, type Saved, type ScreeningDoc,
} from '../../../lib/screening';
import { scaleDigit, shortcutValue, type KeyPress, type KeyTarget } from '../keys';
import { SaveQueue } from '../saver.svelte';

/** The commands the interview sends (the real ones by default; a test passes fakes). */
export interface InterviewCommands {
  answerSave(id: string, key: string, value: AnswerValue | null): Promise<Saved>;
  noteSave(id: string, key: string, text: string): Promise<Saved>;
  positionSave(id: string, key: string): Promise<unknown>;
  screeningDiscard(id: string): Promise<unknown>;
}

const CORE: InterviewCommands = { answerSave, noteSave, positionSave, screeningDiscard };

/** What the controller asks of the page about the keyboard focus. */
export interface FocusPort {
  /** Puts the focus into the group of answer key `key` once the page shows it; false when the
   *  page does not show it. */
  focus(key: string): Promise<boolean>;
  /** Puts the focus past the last item (the button to the summary). */
  focusEnd(): void;
  /** Whether the keyboard focus is on an element inside the interview. */
  focusInside(): boolean;
}

export interface Delays {
  /** Typed input and notes: saved this long after typing stops. */
  text: number;
  /** Navigation: the position saved this long after the focus settles. */
  position: number;
  /** A scale digit that could start a two-digit number waits this long for the second. */
  digit: number;
}

const DELAYS: Delays = { text: 500, position: 300, digit: 700 };

function same(a: AnswerValue | null | undefined, b: AnswerValue | null | undefined): boolean {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}

export class InterviewController {
  /** The save queue: its `state` is the save status shown ("Sparat" only after the core's
   *  commit), its `error` the failure shown. */
  readonly saver = new SaveQueue();
  /** The answer key in focus. */
  focusedKey = $state<string | null>(null);

  readonly id: string;
  private readonly commands: InterviewCommands;
  private readonly delays: Delays;
  private readonly textSavers = new Map<string, Debounced<AnswerValue | null>>();
  private readonly noteSavers = new Map<string, Debounced<string>>();
  private readonly retries = new Map<string, () => void>();
  private readonly position: Debounced<{ key: string; mark: number }>;
  /** Counts focus changes; an answer remembers the one it was given under. */
  private focusMark = 0;
  /** The latest focus change after which an answer stored the position (core's rule). */
  private answeredMark = -1;
  private positionTail: Promise<unknown> = Promise.resolve();
  private seq = 0;
  private appliedSeq = 0;
  private pendingDigit: { key: string; digit: number; timer: ReturnType<typeof setTimeout> } | null = null;
  private discarded = false;
  /** Looked up from the core's keys and evaluation, once per object the core sent. */
  private readonly keyLookups = new WeakMap<object, { order: string[]; itemOf: Map<string, string> }>();
  /** The shown items of the evaluation applied last (cleared when a new one is applied: the
   *  evaluation is updated in place, see `applyEvaluation`). */
  private shownItems: { of: Evaluation; items: Set<string> } | null = null;

  constructor(
    private readonly getDoc: () => ScreeningDoc,
    private readonly view: FocusPort,
    options: { commands?: InterviewCommands; delays?: Partial<Delays> } = {},
  ) {
    this.id = getDoc().id;
    this.commands = options.commands ?? CORE;
    this.delays = { ...DELAYS, ...options.delays };
    this.position = new Debounced<{ key: string; mark: number }>((p) => {
      const before = Promise.all([this.positionTail, this.saver.idle()]);
      // After the answers sent before it: skipped when an answer to the focused item saved
      // the position after this focus change.
      const run = before
        .then(() => (p.mark <= this.answeredMark ? undefined : this.commands.positionSave(this.id, p.key)))
        .then(() => undefined, () => undefined);
      this.positionTail = run;
      return run;
    }, this.delays.position);
  }

  private get doc(): ScreeningDoc {
    return this.getDoc();
  }

  // ---- what the core says: keys in order, the item of a key, which are shown ----

  private keyLookup(): { order: string[]; itemOf: Map<string, string> } {
    const doc = this.doc;
    let l = this.keyLookups.get(doc.keys);
    if (!l) {
      l = {
        order: allKeys(doc),
        itemOf: new Map(Object.values(doc.keys).flatMap((ks) => (ks ?? []).map((k) => [k.key, k.item] as const))),
      };
      this.keyLookups.set(doc.keys, l);
    }
    return l;
  }

  /** Every answer key in interview order (`doc.keys`). */
  get order(): string[] {
    return this.keyLookup().order;
  }

  /** The item an answer key belongs to (`doc.keys`). */
  itemOf(key: string): string {
    return this.keyLookup().itemOf.get(key) ?? key;
  }

  /** Whether the core's evaluation shows the item of `key`. */
  isShown(key: string): boolean {
    const ev = this.doc.evaluation;
    if (this.shownItems?.of !== ev) this.shownItems = { of: ev, items: new Set(ev.visibleItems) };
    return this.shownItems.items.has(this.itemOf(key));
  }

  /** The first shown key of a section, for the section links. */
  firstShownIn(sectionItems: readonly { id: string }[]): string | undefined {
    const ids = new Set(sectionItems.map((i) => i.id));
    return this.order.find((k) => this.isShown(k) && ids.has(this.itemOf(k)));
  }

  // ---- saving ----

  private setLocal(key: string, v: AnswerValue | null) {
    if (v === null) delete this.doc.answers[key];
    else this.doc.answers[key] = v;
  }

  private applyEvaluation(my: number, ev: Evaluation) {
    if (my <= this.appliedSeq) return;
    this.appliedSeq = my;
    // In place, so that only what changed re-renders (not every item of the instrument).
    reconcile(this.doc.evaluation, ev);
    this.shownItems = null;
    void this.keepFocusVisible();
  }

  /** Sends one answer through the queue. Never rejects: failures show in the status. */
  private sendAnswer(key: string, value: AnswerValue | null, prev?: AnswerValue | null): Promise<void> {
    const label = `answer:${key}`;
    const my = ++this.seq;
    this.retries.set(label, () => void this.sendAnswer(key, this.doc.answers[key] ?? null));
    // Whether this answer moves the position is the core's rule: its answer says so
    // (`Saved.position`), before any later navigation save runs (those wait for the answers).
    const mark = key === this.focusedKey ? this.focusMark : -1;
    const positionsBefore = this.positionTail;
    return this.saver
      .run(label, () => positionsBefore.then(() => this.commands.answerSave(this.id, key, value)))
      .then(
        (r) => {
          if (r.position != null && mark >= 0) this.answeredMark = Math.max(this.answeredMark, mark);
          this.retries.delete(label);
          this.applyEvaluation(my, r.evaluation);
        },
        () => {
          // the core did not take it: show what is stored, unless newer input replaced it
          if (prev !== undefined && same(this.doc.answers[key], value)) this.setLocal(key, prev);
        },
      );
  }

  private sendNote(key: string, text: string): Promise<void> {
    const label = `note:${key}`;
    const my = ++this.seq;
    this.retries.set(label, () => void this.sendNote(key, this.doc.notes[key] ?? ''));
    return this.saver.run(label, () => this.commands.noteSave(this.id, key, text)).then(
      (r) => {
        this.retries.delete(label);
        this.applyEvaluation(my, r.evaluation);
      },
      () => undefined,
    );
  }

  private textSaver(key: string): Debounced<AnswerValue | null> {
    let d = this.textSavers.get(key);
    if (!d) {
      d = new Debounced<AnswerValue | null>((v) => {
        this.saver.unsent.delete(`answer:${key}`);
        return this.sendAnswer(key, v);
      }, this.delays.text);
      this.textSavers.set(key, d);
    }
    return d;
  }

  private noteSaver(key: string): Debounced<string> {
    let d = this.noteSavers.get(key);
    if (!d) {
      d = new Debounced<string>((text) => {
        this.saver.unsent.delete(`note:${key}`);
        return this.sendNote(key, text);
      }, this.delays.text);
      this.noteSavers.set(key, d);
    }
    return d;
  }

  /** An answer given at once (a button, a key, a date, adding or removing a list entry). */
  answer(key: string, value: AnswerValue | null): void {
    // a pending debounced value of the same key is replaced by this one
    const pendingText = this.textSavers.get(key);
    if (pendingText?.dirty) {
      pendingText.dispose();
      this.textSavers.delete(key);
      this.saver.unsent.delete(`answer:${key}`);
    }
    const prev = this.doc.answers[key] ?? null;
    if (same(prev, value) && !this.saver.failed.has(`answer:${key}`)) return;
    this.setLocal(key, value);
    void this.sendAnswer(key, value, prev);
  }

  /** Typed input: shown at once, saved when typing stops (or on flush). */
  text(key: string, value: AnswerValue | null): void {
    this.setLocal(key, value);
    this.saver.unsent.add(`answer:${key}`);
    this.textSaver(key).push(value);
  }

  /** Saves the key's typed input now (blur). */
  flushText(key: string): void {
    void this.textSavers.get(key)?.flush();
  }

  note(key: string, text: string): void {
    this.doc.notes[key] = text;
    this.saver.unsent.add(`note:${key}`);
    this.noteSaver(key).push(text);
  }

  flushNote(key: string): void {
    void this.noteSavers.get(key)?.flush();
  }

  /** Sends again every save that failed, with what is shown now. */
  retryAll(): void {
    for (const r of [...this.retries.values()]) r();
  }

  /** Saves everything typed and the position, and waits for every save to settle. */
  flush = async (): Promise<void> => {
    await Promise.allSettled(
      [...this.textSavers.values(), ...this.noteSavers.values()].map((d) => d.flush()),
    );
    await this.position.flush().catch(() => undefined);
    await this.saver.idle();
  };

  /** Discards the draft once every save sent has settled; rejects with the core's error. */
  async discard(): Promise<void> {
    await this.saver.idle();
    await this.commands.screeningDiscard(this.id);
    this.discarded = true;
  }

  // ---- focus ----

  /** Puts the focus on `key` (after the page updated). */
  async focus(key: string): Promise<void> {
    if (await this.view.focus(key)) this.focusedKey = key;
  }

  /** The focus arrived in the group of `key` (by any means: keys, mouse, a link). */
  focusedOn(key: string): void {
    if (key === this.focusedKey) return;
    this.focusedKey = key;
    this.doc.position = key;
    this.position.push({ key, mark: ++this.focusMark });
  }

  /** The next (or previous) shown key after `from`; past the last one, the summary button. */
  moveBy(from: string | null, delta: 1 | -1): void {
    const order = this.order;
    const start = from === null ? -1 : order.indexOf(from);
    for (let i = start + delta; i >= 0 && i < order.length; i += delta) {
      if (this.isShown(order[i])) {
        void this.focus(order[i]);
        return;
      }
    }
    if (delta > 0) this.view.focusEnd();
  }

  /** Where the interview opens: `want` (a gap link, or the stored position) when it is shown,
   *  else the first shown key. */
  start(want: string | null): void {
    const order = this.order;
    const first = order.find((k) => this.isShown(k));
    const key = want && order.includes(want) && this.isShown(want) ? want : first;
    if (key) void this.focus(key);
  }

  /** When the focused item is hidden by a new answer, go on to the next shown one. */
  private async keepFocusVisible() {
    await tick();
    if (!this.focusedKey || this.isShown(this.focusedKey)) return;
    if (this.view.focusInside()) return;
    this.moveBy(this.focusedKey, 1);
  }

  // ---- keys ----

  private clearPendingDigit() {
    if (this.pendingDigit) clearTimeout(this.pendingDigit.timer);
    this.pendingDigit = null;
  }

  /** Acts on a key pressed at `at`; true when it was the interview's (prevent the default). */
  handleKey(press: KeyPress, at: KeyTarget): boolean {
    const key = at.key;
    if (at.text) {
      if (press.key === 'Enter' && (press.ctrlKey || press.metaKey || (at.text === 'line' && !press.shiftKey))) {
        this.flushText(key);
        this.flushNote(key);
        this.moveBy(key, 1);
        return true;
      }
      return false;
    }
    if (press.ctrlKey || press.metaKey || press.altKey) return false;

    const item = findItem(this.doc.definition, this.itemOf(key));
    if (!item) return false;

    switch (press.key) {
      case 'Enter':
        if (at.button === 'plain') return false; // list and clear buttons act natively
        if (at.button === 'option') at.click?.();
        this.moveBy(key, 1);
        return true;
      case 'ArrowDown':
        this.moveBy(key, 1);
        return true;
      case 'ArrowUp':
        this.moveBy(key, -1);
        return true;
    }
    if (item.type === 'list') return false;
    // The calendar's month grid handles digits and Delete itself (one incident, not the answer).
    if (item.type === 'calendar' && at.inCalendar) {
      if (!['v', 'd', 'e', 'k'].includes(press.key.toLowerCase())) return false;
    }
    if (item.type === 'scale' && /^[0-9]$/.test(press.key)) {
      this.scaleKey(key, item, Number(press.key));
      return true;
    }
    const v = shortcutValue(item, this.doc.answers[key], press.key === 'Backspace' ? 'Delete' : press.key);
    if (v === undefined) return false;
    this.answer(key, v);
    return true;
  }

  private scaleKey(key: string, item: Extract<Item, { type: 'scale' }>, digit: number) {
    const prev = this.pendingDigit?.key === key ? this.pendingDigit.digit : null;
    this.clearPendingDigit();
    const r = scaleDigit(item.min, item.max, prev, digit);
    if (r.value !== null) this.answer(key, { type: 'integer', value: r.value });
    if (r.wait) {
      const { min, max } = item;
      this.pendingDigit = {
        key,
        digit,
        timer: setTimeout(() => {
          this.pendingDigit = null;
          if (digit >= min && digit <= max) this.answer(key, { type: 'integer', value: digit });
        }, this.delays.digit),
      };
    }
  }

  // ---- life cycle ----

  /** The interview closes: typed input is saved (not after a discard), timers stop. */
  dispose(): void {
    this.clearPendingDigit();
    const all = [...this.textSavers.values(), ...this.noteSavers.values(), this.position];
    for (const d of all) {
      if (this.discarded) d.dispose();
      else void d.flush().finally(() => d.dispose());
    }
  }
}

/** An error of any kind as the `AppError` the screens show. */
export function asAppError(e: unknown): AppError {
  return e instanceof AppError ? e : new AppError('unknown', String(e));
}
