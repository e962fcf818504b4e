// Copies the non-TypeScript files that src/ loads at run time (Lua scripts,
// dashboard assets) next to the compiled JavaScript in build/src/.
import { cpSync, existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

// .mjs: the dashboard's browser script, which tsc does not compile (it only emits .ts as .js).
const ASSETS = /\.(lua|html|css|svg|mjs)$/;
const root = new URL('..', import.meta.url).pathname;

function walk(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path);
    else if (ASSETS.test(name)) cpSync(path, join(root, 'build', relative(root, path)));
  }
}

if (existsSync(join(root, 'src'))) walk(join(root, 'src'));
