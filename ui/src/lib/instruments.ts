// The instrument library (administratör): the list, checking and adding a file by its typed
// path, retiring and reactivating a version. The core checks the role and every rule.
import { call } from './api';
import type { Kind, Text } from './screening';

export type InstrumentOrigin = 'shipped' | 'organisation' | 'stored';

export interface LibraryEntry {
  id: string;
  version: string;
  kind: Kind;
  title: Text;
  sha256: string;
  origin: InstrumentOrigin;
  source: Text;
  licence: Text;
  retiredAt: string | null;
  latest: boolean;
  screenings: number;
}

export interface LibraryProblem {
  path: string;
  messages: string[];
}

export interface InstrumentLibrary {
  folder: string;
  entries: LibraryEntry[];
  problems: LibraryProblem[];
}

export interface InstrumentPreview {
  id: string;
  version: string;
  kind: Kind;
  title: Text;
  description: Text;
  source: Text;
  licence: Text;
  sha256: string;
  sections: Text[];
  items: number;
  scores: Text[];
  outcomes: Text[];
}

export interface InstrumentFileCheck {
  path: string;
  preview: InstrumentPreview | null;
  problems: string[];
  target: string | null;
}

export interface AddedInstrument {
  id: string;
  version: string;
  sha256: string;
  path: string;
}

export const instrumentLibrary = () => call<InstrumentLibrary>('instrument_library');
export const instrumentFileCheck = (path: string) => call<InstrumentFileCheck>('instrument_file_check', { path });
export const instrumentFileAdd = (path: string) => call<AddedInstrument>('instrument_file_add', { path });
export const instrumentRetiredSet = (id: string, version: string, retired: boolean) =>
  call<void>('instrument_retired_set', { id, version, retired });
