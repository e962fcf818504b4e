#!/usr/bin/env node
// The CLI is compiled TypeScript in build/src/: `npm install` compiles it (the `prepare` script),
// `npm run build` does it again after a change.
import { existsSync } from 'node:fs';

const entry = new URL('../build/src/cli/main.js', import.meta.url);
if (!existsSync(entry)) {
  // One line, not an ERR_MODULE_NOT_FOUND stack: a fresh checkout that skipped the install
  // scripts is the only way to get here.
  process.stderr.write('redis-kit: build/src/ is missing; run `npm run build` first\n');
  process.exit(1);
}
const { main } = await import(entry.href);
process.exitCode = await main(process.argv.slice(2), process.env);
