#!/usr/bin/env node
// The CLI is compiled TypeScript; `npm run build` (or `npm run serve`) produces it.
import { main } from '../build/src/cli/main.js';

process.exitCode = await main(process.argv.slice(2), process.env);
