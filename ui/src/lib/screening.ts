// Typed access to the screening commands, and the JSON shapes the Rust core serialises.
//
// Everything crosses the boundary in camelCase except the instrument definition (`Instrument`,
// `Item`, …), which is shown as written in its file (`show_if`, `allow_decline`; see
// docs/INSTRUMENTS.md and instruments/schema.json). A screening is always rendered from its
// own `doc.definition`.
import { guard } from './api';
import { commands } from './contract';
import { currentLang } from './i18n.svelte';

// Every type below is generated from the Rust core (./contract.ts, `make contract`).
export type {
  Text,
  Kind,
  Label,
  Choice,
  Anchor,
  Item,
  Section,
  Band,
  Score,
  Outcome,
  Instrument,
  AnswerValue,
  CalendarAnswer,
  Incident,
  AppliedOverride,
  ScoreResult,
  OwnViewResult,
  OutcomeValue,
  Evaluation,
  SectionProgress,
  PersonRole,
  Status,
  InstrumentSummary,
  Addendum,
  ScreeningDoc,
  PreviousScreening,
  ScreeningSummary,
  MyScreenings,
  NewScreening,
  Saved,
  KeyView,
  UpgradePreview,
} from './contract';
import type {
  AnswerValue,
  Choice,
  MyList,
  Instrument,
  Item,
  KeyView,
  NewScreening,
  Outcome,
  PersonRole,
  ScreeningDoc,
  Section,
  Text,
} from './contract';

/** `item`, `item@perspective`, `item#timeframe` or `item@perspective#timeframe`, as the core
 *  spells it (see `ScreeningDoc.keys`). */
export type AnswerKeyString = string;
export type ItemType = Item['type'];
export type EntryMap = Partial<{ [key in string]: AnswerValue }>;

export const PERSON_ROLES: PersonRole[] = ['valdsutsatt', 'valdsutovare', 'barn', 'anhorig'];

// ---------- commands ----------

export const instrumentsList = () => guard(commands.instrumentsList());
export const screeningStart = (n: NewScreening) => guard(commands.screeningStart(n));
export const screeningGet = (id: string) => guard(commands.screeningGet(id));
export const answerSave = (id: string, key: AnswerKeyString, value: AnswerValue | null) =>
  guard(commands.answerSave(id, key, value));
export const noteSave = (id: string, key: AnswerKeyString, text: string) =>
  guard(commands.noteSave(id, key, text));
export const positionSave = (id: string, key: AnswerKeyString) => guard(commands.positionSave(id, key));
export const screeningComplete = (id: string) => guard(commands.screeningComplete(id));
export const screeningDiscard = (id: string) => guard(commands.screeningDiscard(id));
export const upgradePreview = (id: string, version: string | null = null) =>
  guard(commands.screeningUpgradePreview(id, version));
export const screeningUpgrade = (id: string, version: string, expectDropped: number) =>
  guard(commands.screeningUpgrade(id, version, expectDropped));
export const addendumAdd = (id: string, text: string) => guard(commands.addendumAdd(id, text));
export const myScreenings = () => guard(commands.myScreenings());
/** The page of `list` after the cursor `after` (the previous page's `next`). */
export const myScreeningsPage = (list: MyList, after: string) => guard(commands.myScreeningsPage(list, { after }));

// ---------- keys and progress: computed by the core, looked up here ----------

/** The answer keys of an item, in the core's order (from `doc.keys`). */
export function itemKeys(doc: Pick<ScreeningDoc, 'keys'>, item: Item | string): KeyView[] {
  return doc.keys[typeof item === 'string' ? item : item.id] ?? [];
}

/** The keys one entry of a list item stores a field's values under (`field`, or one
 *  `field@perspective` per perspective), from the core (`doc.keys["item/field"]`). */
export function fieldKeys(keys: ScreeningDoc['keys'], itemId: string, fieldId: string): KeyView[] {
  return keys[`${itemId}/${fieldId}`] ?? [];
}

/** Every answer key in interview order. */
export function allKeys(doc: Pick<ScreeningDoc, 'keys' | 'definition'>): AnswerKeyString[] {
  return doc.definition.sections.flatMap((s) => s.items.flatMap((i) => itemKeys(doc, i).map((k) => k.key)));
}

/** The item an answer key belongs to. */
export function itemOfKey(doc: Pick<ScreeningDoc, 'keys'>, key: AnswerKeyString): string {
  for (const keys of Object.values(doc.keys)) for (const k of keys ?? []) if (k.key === key) return k.item;
  return key;
}

/** A hidden item that still holds a given answer (the core's `hiddenAnswered`). */
export function answeredWhileHidden(doc: Pick<ScreeningDoc, 'evaluation'>, itemId: string): boolean {
  return doc.evaluation.hiddenAnswered.includes(itemId);
}

/** A section's progress as the core computed it. */
export function sectionProgress(
  evaluation: Pick<ScreeningDoc['evaluation'], 'progress'>,
  sectionId: string,
): { answered: number; total: number } {
  const p = evaluation.progress.find((x) => x.section === sectionId);
  return { answered: p?.answered ?? 0, total: p?.total ?? 0 };
}

// ---------- helpers ----------

/** The text in the current language, falling back to Swedish. */
export function tx(text: Text | undefined | null): string {
  if (!text) return '';
  return currentLang() === 'en' && text.en ? text.en : text.sv;
}

/** The choices of a choice, frequency or rating item. */
export function choicesOf(item: Item): Choice[] {
  switch (item.type) {
    case 'single_choice':
    case 'multi_choice':
      return item.options;
    case 'frequency':
    case 'rating':
    case 'calendar':
      return item.levels;
    default:
      return [];
  }
}

export function findItem(def: Instrument, itemId: string): Item | undefined {
  for (const s of def.sections) for (const i of s.items) if (i.id === itemId) return i;
  return undefined;
}

export function sectionOf(def: Instrument, itemId: string): Section | undefined {
  return def.sections.find((s) => s.items.some((i) => i.id === itemId));
}

/** The label of a key's perspective and time frame ("Förälder · Nu"), empty for plain items. */
export function axisLabel(def: Instrument, key: Pick<KeyView, 'perspective' | 'timeframe'>): string {
  const parts: string[] = [];
  if (key.perspective) {
    const p = def.perspectives?.find((x) => x.id === key.perspective);
    parts.push(p ? tx(p.label) : key.perspective);
  }
  if (key.timeframe) {
    const t = def.timeframes?.find((x) => x.id === key.timeframe);
    parts.push(t ? tx(t.label) : key.timeframe);
  }
  return parts.join(' · ');
}

/** The item text plus its perspective/time frame, for links and read-only lists. */
export function keyLabel(doc: Pick<ScreeningDoc, 'keys' | 'definition'>, key: AnswerKeyString): string {
  const def = doc.definition;
  const itemId = itemOfKey(doc, key);
  const k = itemKeys(doc, itemId).find((x) => x.key === key) ?? { perspective: null, timeframe: null };
  const item = findItem(def, itemId);
  const axis = axisLabel(def, k);
  const text = item ? tx(item.text) : itemId;
  return axis ? `${text} (${axis})` : text;
}

/** Today's local date as YYYY-MM-DD. */
export function today(now = new Date()): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${now.getFullYear()}-${p(now.getMonth() + 1)}-${p(now.getDate())}`;
}

/** An ISO timestamp as local "YYYY-MM-DD HH:MM". */
export function formatTime(iso: string | null | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const p = (n: number) => String(n).padStart(2, '0');
  return `${today(d)} ${p(d.getHours())}:${p(d.getMinutes())}`;
}

/** The label of a band of a score. */
export function bandLabel(def: Instrument, scoreId: string, band: string | null): string {
  if (!band) return '';
  const b = def.scores?.find((s) => s.id === scoreId)?.bands?.find((x) => x.id === band);
  return b ? tx(b.label) : band;
}

/** The label of an outcome's category (declared categories, else the score's bands or the
 *  item's options). `yesNo` gives the words for a yes/no item's `yes`/`no`. */
export function categoryLabel(
  doc: Pick<ScreeningDoc, 'keys' | 'definition'>,
  outcome: Outcome,
  category: string,
  yesNo: { yes: string; no: string },
): string {
  const def = doc.definition;
  const c = outcome.categories?.find((x) => x.id === category);
  if (c) return tx(c.label);
  if (outcome.from_score) return bandLabel(def, outcome.from_score, category);
  if (outcome.from_item) {
    const item = findItem(def, itemOfKey(doc, outcome.from_item));
    if (item?.type === 'yes_no') return category === 'yes' ? yesNo.yes : category === 'no' ? yesNo.no : category;
    const ch = item ? choicesOf(item).find((x) => x.id === category) : undefined;
    if (ch) return tx(ch.label);
  }
  return category;
}

/** A read-only rendering of an answer in the current language. */
export function formatAnswer(
  item: Item,
  v: AnswerValue | undefined,
  words: {
    yes: string;
    no: string;
    declined: string;
    dontKnow?: string;
    none: string;
    unanswered: string;
    incidents?: (n: number) => string;
  },
): string {
  if (!v) return words.unanswered;
  switch (v.type) {
    case 'declined':
      return words.declined;
    case 'dont_know':
      return words.dontKnow ?? 'Vet ej';
    case 'yes_no':
      return v.value ? words.yes : words.no;
    case 'choice': {
      const c = choicesOf(item).find((x) => x.id === v.value);
      return c ? (c.code ? `${c.code} – ${tx(c.label)}` : tx(c.label)) : v.value;
    }
    case 'choices':
      if (v.value.length === 0) return words.none;
      return v.value.map((id) => tx(choicesOf(item).find((x) => x.id === id)?.label) || id).join(', ');
    case 'integer':
    case 'number':
      return item.type === 'number' && item.unit ? `${v.value} ${tx(item.unit)}` : String(v.value);
    case 'date':
    case 'text':
      return v.value.trim() === '' ? words.unanswered : v.value;
    case 'entries':
      return String(v.value.length);
    case 'calendar':
      return words.incidents ? words.incidents(v.value.incidents.length) : String(v.value.incidents.length);
  }
}
