// Typed access to the screening commands, and the JSON shapes the Rust core serialises.
//
// The definition (`Instrument`), the answers (`AnswerValue`) and the evaluation (`Evaluation`)
// are serialised by varna-core with serde and keep its field names (snake_case, e.g.
// `show_if`, `visible_items`); see crates/varna-core/src/instrument/{model,answer,evaluate}.rs.
// The screening envelope (`ScreeningDoc`, `ScreeningSummary`) comes from the Tauri shell and is
// camelCase. A screening is always rendered from its own `doc.definition`.
import { call } from './api';
import { currentLang } from './i18n.svelte';

// ---------- instrument definition (model.rs) ----------

/** A text in Swedish (required) and English (optional). */
export interface Text {
  sv: string;
  en?: string;
}

export type Kind = 'screening' | 'checklist' | 'judgement' | 'mapping';

export interface Label {
  id: string;
  label: Text;
}

export interface Choice {
  id: string;
  label: Text;
  code?: string;
  value?: number;
  help?: Text;
}

export interface Anchor {
  value: number;
  label: Text;
}

interface ItemBase {
  id: string;
  text: Text;
  help?: Text;
  required: boolean;
  allow_decline: boolean;
  /** The condition's source text. */
  show_if?: string;
  perspectives?: string[];
  timeframes?: string[];
}

export type ItemKind =
  | { type: 'yes_no' }
  | { type: 'single_choice'; options: Choice[] }
  | { type: 'multi_choice'; options: Choice[]; min_selected?: number; max_selected?: number }
  | { type: 'frequency'; levels: Choice[] }
  | { type: 'rating'; levels: Choice[] }
  | { type: 'scale'; min: number; max: number; anchors?: Anchor[] }
  | { type: 'date' }
  | { type: 'number'; min?: number; max?: number; integer: boolean; unit?: Text }
  | { type: 'short_text'; max_length?: number }
  | { type: 'long_text'; max_length?: number }
  | {
      type: 'list';
      fields: Item[];
      min_entries?: number;
      max_entries?: number;
      entry_label?: Text;
    };

export type ItemType = ItemKind['type'];
export type Item = ItemBase & ItemKind;

export interface Section {
  id: string;
  title: Text;
  help?: Text;
  show_if?: string;
  items: Item[];
}

export interface Band {
  id: string;
  label: Text;
  min: number;
  max?: number;
}

export interface Score {
  id: string;
  label: Text;
  method: 'count' | 'sum';
  items: string[];
  weights?: Record<string, number>;
  bands?: Band[];
  override?: { item: string; reason_item: string };
}

export interface Outcome {
  id: string;
  label: Text;
  categories: Label[];
  from_item?: string;
  from_score?: string;
  rules?: { when: string; category: string }[];
  otherwise?: string;
}

export interface Instrument {
  id: string;
  version: string;
  kind: Kind;
  title: Text;
  description: Text;
  source: Text;
  licence: Text;
  perspectives?: Label[];
  timeframes?: Label[];
  sections: Section[];
  scores?: Score[];
  outcomes?: Outcome[];
}

// ---------- answers (answer.rs) ----------

/** `item`, `item@perspective`, `item#timeframe` or `item@perspective#timeframe`. */
export type AnswerKeyString = string;

export type EntryMap = Record<string, AnswerValue>;

export type AnswerValue =
  | { type: 'declined' }
  | { type: 'yes_no'; value: boolean }
  | { type: 'choice'; value: string }
  | { type: 'choices'; value: string[] }
  | { type: 'integer'; value: number }
  | { type: 'number'; value: number }
  | { type: 'date'; value: string }
  | { type: 'text'; value: string }
  | { type: 'entries'; value: EntryMap[] };

export interface AnswerKey {
  item: string;
  perspective: string | null;
  timeframe: string | null;
}

export function formatKey(k: AnswerKey): AnswerKeyString {
  return k.item + (k.perspective ? `@${k.perspective}` : '') + (k.timeframe ? `#${k.timeframe}` : '');
}

export function parseKey(s: AnswerKeyString): AnswerKey {
  const [rest, timeframe] = s.split('#', 2) as [string, string | undefined];
  const [item, perspective] = rest.split('@', 2) as [string, string | undefined];
  return { item, perspective: perspective ?? null, timeframe: timeframe ?? null };
}

/** Every key an answer to this item can have, perspective first, as the core orders them. */
export function itemKeys(item: Item): AnswerKey[] {
  const ps = item.perspectives?.length ? item.perspectives : [null];
  const ts = item.timeframes?.length ? item.timeframes : [null];
  return ps.flatMap((p) => ts.map((t) => ({ item: item.id, perspective: p, timeframe: t })));
}

// ---------- evaluation (evaluate.rs) ----------

export interface AppliedOverride {
  from: string | null;
  to: string;
  reason: string | null;
}

export interface ScoreResult {
  id: string;
  value: number;
  answered: number;
  total: number;
  computed_band: string | null;
  band: string | null;
  override: AppliedOverride | null;
}

export interface OutcomeValue {
  dimension: string;
  category: string | null;
}

export interface Evaluation {
  visible_sections: string[];
  visible_items: string[];
  hidden_items: string[];
  missing_required: AnswerKeyString[];
  scores: ScoreResult[];
  outcomes: OutcomeValue[];
  complete: boolean;
}

// ---------- the screening envelope (Tauri shell) ----------

export type PersonRole = 'valdsutsatt' | 'valdsutovare' | 'barn' | 'anhorig';
export const PERSON_ROLES: PersonRole[] = ['valdsutsatt', 'valdsutovare', 'barn', 'anhorig'];
export type Status = 'draft' | 'completed';

export interface InstrumentSummary {
  id: string;
  version: string;
  sha256: string;
  kind: Kind;
  title: Text;
  description: Text;
  /** The highest version not retired: the one a new screening starts with. */
  latest: boolean;
  /** Retired in the instrument library: starts no new screenings. */
  retired: boolean;
}

export interface Addendum {
  id: string;
  authorName: string;
  createdAt: string;
  text: string;
}

export interface ScreeningDoc {
  id: string;
  status: Status;
  instrumentId: string;
  instrumentVersion: string;
  instrumentSha256: string;
  definition: Instrument;
  unitId: string;
  unitCode: string;
  unitName: string;
  personRole: PersonRole;
  conductedOn: string;
  caseRef: string | null;
  authorId: string;
  authorName: string;
  createdAt: string;
  completedAt: string | null;
  answers: Record<AnswerKeyString, AnswerValue>;
  notes: Record<AnswerKeyString, string>;
  position: AnswerKeyString | null;
  evaluation: Evaluation;
  addenda: Addendum[];
}

export interface ScreeningSummary {
  id: string;
  instrumentId: string;
  instrumentVersion: string;
  instrumentTitle: Text;
  status: Status;
  unitCode: string;
  personRole: PersonRole;
  conductedOn: string;
  createdAt: string;
  completedAt: string | null;
  answered: number;
  total: number;
}

export interface MyScreenings {
  drafts: ScreeningSummary[];
  completed: ScreeningSummary[];
}

export interface NewScreening {
  instrumentId: string;
  instrumentVersion: string | null;
  unitId: string;
  personRole: PersonRole;
  conductedOn: string;
  caseRef: string | null;
}

export interface Saved {
  savedAt: string;
  evaluation: Evaluation;
}

export interface Session {
  username: string;
  displayName: string;
  role: 'handlaggare' | 'arbetsledare' | 'administrator';
  units: { id: string; code: string; name: string }[];
  autoLockMinutes: number;
}

// ---------- commands ----------

export const instrumentsList = () => call<InstrumentSummary[]>('instruments_list');
export const screeningStart = (n: NewScreening) => call<ScreeningDoc>('screening_start', { new: n });
export const screeningGet = (id: string) => call<ScreeningDoc>('screening_get', { id });
export const answerSave = (id: string, key: AnswerKeyString, value: AnswerValue | null) =>
  call<Saved>('answer_save', { id, key, value });
export const noteSave = (id: string, key: AnswerKeyString, text: string) =>
  call<Saved>('note_save', { id, key, text });
export const positionSave = (id: string, key: AnswerKeyString) =>
  call<null>('position_save', { id, key });
export const screeningComplete = (id: string) => call<ScreeningDoc>('screening_complete', { id });
export const screeningDiscard = (id: string) => call<null>('screening_discard', { id });
export const addendumAdd = (id: string, text: string) => call<Addendum>('addendum_add', { id, text });
export const myScreenings = () => call<MyScreenings>('my_screenings');

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
      return item.levels;
    default:
      return [];
  }
}

/** Whether a value counts as given (as the core's `is_given`: blank text does not; an empty
 *  list of entries is treated as not given for progress). */
export function isGiven(v: AnswerValue | undefined | null): boolean {
  if (!v) return false;
  if (v.type === 'text') return v.value.trim() !== '';
  if (v.type === 'entries') return v.value.length > 0;
  return true;
}

/** Items and their keys in interview order. */
export function allKeys(def: Instrument): AnswerKeyString[] {
  return def.sections.flatMap((s) => s.items.flatMap((i) => itemKeys(i).map(formatKey)));
}

export function findItem(def: Instrument, itemId: string): Item | undefined {
  for (const s of def.sections) for (const i of s.items) if (i.id === itemId) return i;
  return undefined;
}

export function sectionOf(def: Instrument, itemId: string): Section | undefined {
  return def.sections.find((s) => s.items.some((i) => i.id === itemId));
}

/** The label of a key's perspective and time frame ("Förälder · Nu"), empty for plain items. */
export function axisLabel(def: Instrument, key: AnswerKey): string {
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
export function keyLabel(def: Instrument, key: AnswerKeyString): string {
  const k = parseKey(key);
  const item = findItem(def, k.item);
  const axis = axisLabel(def, k);
  const text = item ? tx(item.text) : k.item;
  return axis ? `${text} (${axis})` : text;
}

/** Section progress: answered keys among the visible items of a section. */
export function sectionProgress(
  section: Section,
  visibleItems: ReadonlySet<string>,
  answers: Record<AnswerKeyString, AnswerValue>,
): { answered: number; total: number } {
  let answered = 0;
  let total = 0;
  for (const item of section.items) {
    if (!visibleItems.has(item.id)) continue;
    for (const k of itemKeys(item)) {
      total += 1;
      if (isGiven(answers[formatKey(k)])) answered += 1;
    }
  }
  return { answered, total };
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
  def: Instrument,
  outcome: Outcome,
  category: string,
  yesNo: { yes: string; no: string },
): string {
  const c = outcome.categories?.find((x) => x.id === category);
  if (c) return tx(c.label);
  if (outcome.from_score) return bandLabel(def, outcome.from_score, category);
  if (outcome.from_item) {
    const item = findItem(def, parseKey(outcome.from_item).item);
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
  words: { yes: string; no: string; declined: string; none: string; unanswered: string },
): string {
  if (!v) return words.unanswered;
  switch (v.type) {
    case 'declined':
      return words.declined;
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
  }
}
