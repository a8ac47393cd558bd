import { describe, expect, it } from 'vitest';
import { isTextEntry, keyHints, keyTargetOf, scaleDigit, shortcutValue } from './keys';
import type { Item } from '../../lib/screening';

const yesNo: Item = { id: 'hot', type: 'yes_no', required: true, allow_decline: true, text: { sv: 'Hot?' } };
const multi: Item = {
  id: 'vem', type: 'multi_choice', required: false, allow_decline: false, text: { sv: 'Vem?' },
  options: [{ id: 'a', label: { sv: 'A' } }, { id: 'b', label: { sv: 'B' } }, { id: 'c', label: { sv: 'C' } }],
};

describe('shortcutValue', () => {
  it('maps J/Y, N and V/D on yes/no items', () => {
    expect(shortcutValue(yesNo, undefined, 'j')).toEqual({ type: 'yes_no', value: true });
    expect(shortcutValue(yesNo, undefined, 'Y')).toEqual({ type: 'yes_no', value: true });
    expect(shortcutValue(yesNo, undefined, 'n')).toEqual({ type: 'yes_no', value: false });
    expect(shortcutValue(yesNo, undefined, 'v')).toEqual({ type: 'declined' });
    expect(shortcutValue({ ...yesNo, allow_decline: false }, undefined, 'v')).toBeUndefined();
    expect(shortcutValue(yesNo, undefined, 'x')).toBeUndefined();
  });

  it('maps E/K to "vet ej" only where the item allows it, distinct from declining', () => {
    const unknown: Item = { ...yesNo, allow_unknown: true };
    expect(shortcutValue(unknown, undefined, 'e')).toEqual({ type: 'dont_know' });
    expect(shortcutValue(unknown, undefined, 'K')).toEqual({ type: 'dont_know' });
    expect(shortcutValue(unknown, undefined, 'v')).toEqual({ type: 'declined' });
    expect(shortcutValue(yesNo, undefined, 'e')).toBeUndefined();
    const scale: Item = {
      id: 's', type: 'scale', min: 0, max: 10, required: false, allow_decline: false,
      allow_unknown: true, text: { sv: 'S' },
    };
    expect(shortcutValue(scale, undefined, 'e')).toEqual({ type: 'dont_know' });
  });

  it('toggles multiple choice options in declared order; 0 is none', () => {
    expect(shortcutValue(multi, { type: 'choices', value: ['c'] }, '1')).toEqual({ type: 'choices', value: ['a', 'c'] });
    expect(shortcutValue(multi, { type: 'choices', value: ['a', 'c'] }, '1')).toEqual({ type: 'choices', value: ['c'] });
    expect(shortcutValue(multi, undefined, '0')).toEqual({ type: 'choices', value: [] });
    expect(shortcutValue(multi, undefined, '9')).toBeUndefined();
  });

  it('clears with Delete only when answered', () => {
    expect(shortcutValue(yesNo, { type: 'yes_no', value: true }, 'Delete')).toBeNull();
    expect(shortcutValue(yesNo, undefined, 'Delete')).toBeUndefined();
  });
});

describe('scaleDigit', () => {
  it('saves at once when no second digit can follow', () => {
    expect(scaleDigit(0, 10, null, 7)).toEqual({ value: 7, wait: false });
    expect(scaleDigit(0, 10, null, 0)).toEqual({ value: 0, wait: false });
    expect(scaleDigit(0, 5, null, 1)).toEqual({ value: 1, wait: false });
  });
  it('waits after a digit that could start a two-digit number', () => {
    expect(scaleDigit(0, 10, null, 1)).toEqual({ value: null, wait: true });
    expect(scaleDigit(0, 10, 1, 0)).toEqual({ value: 10, wait: false });
    expect(scaleDigit(0, 10, 1, 5)).toEqual({ value: 5, wait: false });
  });
});

describe('helpers', () => {
  it('gives key hints per language', () => {
    expect(keyHints('sv')).toEqual({ yes: 'J', no: 'N', declined: 'V', dontKnow: 'E' });
    expect(keyHints('en')).toEqual({ yes: 'Y', no: 'N', declined: 'D', dontKnow: 'K' });
  });
  it('knows text entry elements', () => {
    const input = document.createElement('input');
    expect(isTextEntry(input)).toBe(true);
    input.type = 'checkbox';
    expect(isTextEntry(input)).toBe(false);
    expect(isTextEntry(document.createElement('textarea'))).toBe(true);
    expect(isTextEntry(document.createElement('button'))).toBe(false);
  });
});

describe('keyTargetOf', () => {
  function cell(html: string): HTMLElement {
    const root = document.createElement('div');
    root.innerHTML = `<div data-testid="item" data-key="hot">${html}</div>`;
    return root;
  }
  it('names the answer key and what the target is', () => {
    const root = cell(`<button data-option="yes">J</button><button class="clear">Rensa</button>
      <input type="text" class="one"><div class="list-editor"><input type="text" class="field"></div>
      <textarea></textarea><div class="calendar"><button data-month="2025-01">jan</button></div>`);
    const option = root.querySelector<HTMLElement>('[data-option]')!;
    const at = keyTargetOf(option)!;
    expect(at).toMatchObject({ key: 'hot', button: 'option', inCalendar: false });
    let clicked = 0;
    option.addEventListener('click', () => (clicked += 1));
    at.click?.();
    expect(clicked).toBe(1);
    expect(keyTargetOf(root.querySelector<HTMLElement>('.clear')!)).toMatchObject({ button: 'plain' });
    expect(keyTargetOf(root.querySelector<HTMLElement>('input.one')!)).toMatchObject({ text: 'line' });
    expect(keyTargetOf(root.querySelector<HTMLElement>('input.field')!)).toMatchObject({ text: 'area' });
    expect(keyTargetOf(root.querySelector<HTMLElement>('textarea')!)).toMatchObject({ text: 'area' });
    expect(keyTargetOf(root.querySelector<HTMLElement>('[data-month]')!)).toMatchObject({ button: 'plain', inCalendar: true });
    expect(keyTargetOf(root.querySelector<HTMLElement>('[data-testid="item"]')!)).toEqual({ key: 'hot', inCalendar: false });
  });
  it('is null outside an item', () => {
    expect(keyTargetOf(document.createElement('button'))).toBeNull();
  });
});
