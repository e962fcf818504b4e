// Removes build/src/ before `npm pack` / `npm publish` (prepack), so the tarball holds exactly
// what `prepare` compiles from src/ right after: no output of deleted sources, and no source
// maps left by the full build (`npm run build` maps test and bench code, whose sources the
// package does not ship).
import { rmSync } from 'node:fs';

rmSync(new URL('../build/src/', import.meta.url), { recursive: true, force: true });
