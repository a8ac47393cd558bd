// The instrument library (administratör): the list, checking and adding a file by its typed
// path, retiring and reactivating a version. The core checks the role and every rule.
import { guard } from './api';
import { commands } from './contract';

// The shapes are generated from Rust (./contract.ts, `make contract`).
export type {
  AddedInstrument,
  InstrumentFileCheck,
  InstrumentLibrary,
  InstrumentOrigin,
  InstrumentPreview,
  LibraryEntry,
  LibraryProblem,
} from './contract';

export const instrumentLibrary = () => guard(commands.instrumentLibrary());
export const instrumentFileCheck = (path: string) => guard(commands.instrumentFileCheck(path));
export const instrumentFileAdd = (path: string) => guard(commands.instrumentFileAdd(path));
export const instrumentRetiredSet = (id: string, version: string, retired: boolean) =>
  guard(commands.instrumentRetiredSet(id, version, retired));
