// One component per item type of the instrument model (`Item` in lib/contract.ts, from
// varna-core's instrument/model.rs), and the one map from type to component. The map's type
// names every item type, so a new type in the core fails svelte-check here until it has a
// component.
import type { Component } from 'svelte';
import type { Item } from '../../../lib/screening';
import type { ItemInputProps, ItemOf, ItemType } from './types';
import CalendarItem from './CalendarItem.svelte';
import ChoiceItem from './ChoiceItem.svelte';
import DateItem from './DateItem.svelte';
import ListItem from './ListItem.svelte';
import MultiChoiceItem from './MultiChoiceItem.svelte';
import NumberItem from './NumberItem.svelte';
import ScaleItem from './ScaleItem.svelte';
import TextItem from './TextItem.svelte';
import YesNoItem from './YesNoItem.svelte';

export type { ItemInputProps, ItemOf, ItemType } from './types';

export const ITEM_COMPONENTS: { [T in ItemType]: Component<ItemInputProps<ItemOf<T>>> } = {
  yes_no: YesNoItem,
  single_choice: ChoiceItem,
  frequency: ChoiceItem,
  rating: ChoiceItem,
  multi_choice: MultiChoiceItem,
  scale: ScaleItem,
  date: DateItem,
  number: NumberItem,
  short_text: TextItem,
  long_text: TextItem,
  list: ListItem,
  calendar: CalendarItem,
};

/** The component that takes the answer to `item`. */
export function itemComponent(item: Item): Component<ItemInputProps> {
  return ITEM_COMPONENTS[item.type] as Component<ItemInputProps>;
}
