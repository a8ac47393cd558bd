// Every test file starts with all texts loaded, as the app has them once its first screen
// has painted (lib/i18n.svelte.ts loads most of them lazily; i18n.lazy.test.ts tests that).
import { loadTexts } from './lib/i18n.svelte';

await loadTexts('all');
