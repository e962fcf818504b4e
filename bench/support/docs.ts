/**
 * Writing benchmark results into the repository's docs/.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The path of `docs/<name>` in this repository (this file runs from build/bench/support/). */
export function docPath(name: string): string {
  return fileURLToPath(new URL(`../../../docs/${name}`, import.meta.url));
}

/** Replaces the whole file at `path` with `content`, and says so. */
export function writeDoc(path: string, content: string): void {
  writeFileSync(path, content);
  console.log(`wrote ${path}`);
}

/**
 * Replaces what stands between the `<!-- <section>:start -->` and `<!-- <section>:end -->` markers
 * of the file at `path` with `content` (on lines of its own), and says so.
 *
 * @throws when the file lacks the markers
 */
export function replaceDocSection(path: string, section: string, content: string): void {
  const doc = readFileSync(path, 'utf8');
  const start = `<!-- ${section}:start -->`;
  const end = `<!-- ${section}:end -->`;
  const from = doc.indexOf(start);
  const to = doc.indexOf(end);
  if (from === -1 || to < from) throw new Error(`${path} has no ${start} … ${end} section`);
  writeDoc(path, `${doc.slice(0, from + start.length)}\n${content}\n${doc.slice(to)}`);
}
