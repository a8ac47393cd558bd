// Test helper: runs `read` in an effect and records what it returns each time it runs.
// Imported dynamically next to a module loaded after `vi.resetModules()`, so that both use
// the same Svelte runtime.
import { flushSync } from 'svelte';

export function watch<T>(read: () => T): { seen: T[]; flush: () => void; stop: () => void } {
  const seen: T[] = [];
  const stop = $effect.root(() => {
    $effect(() => {
      seen.push(read());
    });
  });
  flushSync();
  return { seen, flush: flushSync, stop };
}
