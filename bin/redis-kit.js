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
const code = await main(process.argv.slice(2), process.env);
// Exit now rather than when the event loop runs dry: by here `serve` has closed its HTTP server
// and its client, and a timer some library still holds (ioredis keeps a 2 s disconnect timer
// per socket that never connected) must not keep a stopped service alive after SIGTERM.
// stdout and stderr are synchronous for files and pipes, so nothing written is lost.
process.exit(code);
