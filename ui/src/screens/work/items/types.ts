// The props every item component takes (one component per item type, `index.ts` maps the
// type to it). The cell around it (`AnswerCell.svelte`) renders the frame: the group with
// data-testid="item" and data-key, the axis label, the earlier answer, the note.
import type { AnswerValue, Item, Label, ScreeningDoc } from '../../../lib/screening';
import type { keyHints } from '../keys';

export type ItemType = Item['type'];

/** The item of one type (or of a few). */
export type ItemOf<T extends ItemType> = Extract<Item, { type: T }>;

export interface ItemInputProps<I extends Item = Item> {
  item: I;
  /** The answer key (`doc.keys`). */
  keyStr: string;
  value: AnswerValue | undefined;
  /** The cell's element id (a base for ids inside). */
  cellId: string;
  /** The ids that label the answer: the question, and the axis of a grid cell. */
  labelledBy: string;
  /** The letters shown on yes / no / decline / don't know in the current language. */
  hints: ReturnType<typeof keyHints>;
  /** The day of the samtal: a calendar counts back from it. */
  asOf: string;
  /** The instrument's declared perspectives (a list field may be asked per perspective). */
  perspectives: Label[];
  /** The screening's answer keys (`doc.keys`), for a list entry's fields. */
  entryKeys: ScreeningDoc['keys'];
  /** An answer given at once (saved at once). */
  onanswer: (value: AnswerValue | null) => void;
  /** Typed input (saved when typing stops). */
  ontext: (value: AnswerValue | null) => void;
  /** Typing left the field: save it now. */
  onflush: () => void;
}
