// Checks the built bundle (ui/dist) after `npm run build`: the script the unlock screen waits
// for (the entry chunk named in index.html) must stay small and must not carry the screens
// behind the sign-in or Chart.js, which are loaded later (src/lib/lazy.ts). Prints the sizes.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const dist = new URL('../dist/', import.meta.url).pathname;
const html = readFileSync(join(dist, 'index.html'), 'utf8');
const entry = html.match(/src="\/assets\/([^"]+\.js)"/)?.[1];
if (!entry) throw new Error('dist/index.html names no entry script');
const LIMIT = 160 * 1024;
const sizes = readdirSync(join(dist, 'assets'))
  .filter((f) => f.endsWith('.js'))
  .map((f) => ({ f, bytes: statSync(join(dist, 'assets', f)).size }))
  .sort((a, b) => b.bytes - a.bytes);
for (const { f, bytes } of sizes) console.log(`${(bytes / 1024).toFixed(1).padStart(8)} kB  ${f}${f === entry ? '  (entry)' : ''}`);
const problems = [];
const read = (f) => readFileSync(join(dist, 'assets', f), 'utf8');
// What the first screen waits for: the entry chunk and every chunk it imports statically
// (dynamic `import()`s are the lazy screens and do not count).
const STATIC_IMPORT = /import\s*(?:\{[^}]*\}|[\w$*\s,]+)\s*from\s*["']\.\/([^"']+\.js)["']|import\s*["']\.\/([^"']+\.js)["']/g;
const upfront = new Set([entry]);
for (const f of upfront) for (const m of read(f).matchAll(STATIC_IMPORT)) upfront.add(m[1] ?? m[2]);
const upfrontBytes = sizes.filter((s) => upfront.has(s.f)).reduce((n, s) => n + s.bytes, 0);
console.log(`loaded before the first screen: ${[...upfront].join(', ')} = ${(upfrontBytes / 1024).toFixed(1)} kB`);
if (upfrontBytes > LIMIT) problems.push(`the first screen loads ${upfrontBytes} bytes (limit ${LIMIT})`);
const code = [...upfront].map(read).join('\n');
// A message only Chart.js carries (it survives minification).
const CHART_JS = 'Canvas is already in use';
if (code.includes(CHART_JS)) problems.push('Chart.js is loaded before the first screen');
// Tauri's window API (only its type is used, src-tauri/src/contract.rs).
if (code.includes('plugin:window|')) problems.push("Tauri's window API is loaded before the first screen");
if (!sizes.some((s) => read(s.f).includes(CHART_JS)))
  problems.push('Chart.js is in no chunk: the marker this check looks for has changed');
for (const screen of ['Workspace', 'ReviewWorkspace', 'StatsView', 'AdminView']) {
  const own = sizes.find((s) => s.f.startsWith(`${screen}-`));
  if (!own) problems.push(`${screen} is not in a chunk of its own`);
  else if (upfront.has(own.f)) problems.push(`${screen} is loaded before the first screen`);
}
if (problems.length) {
  console.error(`bundle check failed:\n- ${problems.join('\n- ')}`);
  process.exit(1);
}
console.log('bundle check: ok');
