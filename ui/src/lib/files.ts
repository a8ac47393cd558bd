// File choices through the system's file dialog. The dialog is opened from Rust
// (commands::files, tauri-plugin-dialog); the webview is granted only Värna's own
// `dialog_open` / `dialog_save`. The chosen path is handed to a Värna command, which reads or
// writes it bounded and checked in the core. Nothing here touches the file system itself.
import { guard } from './api';
import { commands, type FileFilter } from './contract';

export type { FileFilter } from './contract';

/** Lets the user choose one or more existing files; [] when the dialog was cancelled. */
export async function chooseFiles(opts: {
  title: string;
  filters?: FileFilter[];
  multiple?: boolean;
}): Promise<string[]> {
  return guard(commands.dialogOpen(opts.title, opts.filters ?? [], opts.multiple ?? false, false));
}

/** Lets the user choose a folder; null when the dialog was cancelled. */
export async function chooseFolder(title: string): Promise<string | null> {
  const picked = await guard(commands.dialogOpen(title, [], false, true));
  return picked[0] ?? null;
}

/** Lets the user choose where to save a new file; null when the dialog was cancelled. */
export async function chooseSavePath(opts: {
  title: string;
  defaultPath?: string;
  filters?: FileFilter[];
}): Promise<string | null> {
  return guard(commands.dialogSave(opts.title, opts.defaultPath ?? null, opts.filters ?? []));
}
