// Applying a value the core sent again (a new evaluation after each answer) to state the page
// already shows, so that only what changed re-renders.
//
// Svelte's `$state` is fine-grained: an effect re-runs when a property it read is assigned.
// Replacing a whole object (`doc.evaluation = ev`) re-runs everything that read any part of
// it, on a 200-item instrument every item's block after every answer. `reconcile` instead
// assigns only the properties and array elements whose value differs, and leaves equal ones
// untouched. It compares values structurally and knows nothing of what they mean.

type Plain = Record<string, unknown>;

function isPlain(v: unknown): v is Plain {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Whether two JSON-like values are equal, structurally. */
export function equalValues(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((x, i) => equalValues(x, b[i]));
  }
  if (isPlain(a) && isPlain(b)) {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => k in b && equalValues(a[k], b[k]));
  }
  return false;
}

function reconcileArray(target: unknown[], source: readonly unknown[]): void {
  if (target.length !== source.length) {
    // the elements still equal at the start are kept; the rest is written, the length set
    const keep = Math.min(target.length, source.length);
    for (let i = 0; i < keep; i++) reconcileSlot(target, i, source[i]);
    for (let i = keep; i < source.length; i++) target[i] = source[i];
    target.length = source.length;
    return;
  }
  for (let i = 0; i < source.length; i++) reconcileSlot(target, i, source[i]);
}

function reconcileSlot(target: unknown[] | Plain, key: number | string, value: unknown): void {
  const t = target as Record<string | number, unknown>;
  const current = t[key];
  if (current === value) return;
  if (Array.isArray(current) && Array.isArray(value)) {
    reconcileArray(current, value);
  } else if (isPlain(current) && isPlain(value)) {
    reconcile(current, value);
  } else if (!equalValues(current, value)) {
    t[key] = value;
  }
}

/** Makes `target` equal to `source` (JSON-like values: objects, arrays, primitives), writing
 *  only the properties and elements that differ; properties `source` lacks are deleted. */
export function reconcile<T extends object>(target: T, source: T): void {
  const t = target as Plain;
  const s = source as Plain;
  for (const k of Object.keys(t)) if (!(k in s)) delete t[k];
  for (const k of Object.keys(s)) reconcileSlot(t, k, s[k]);
}
