/**
 * Where the CLI's output goes. Commands write through a {@link Writer} so
 * tests can capture it, and so every line passes one last secret scrub: the
 * configured passwords are replaced by `***` should any message ever carry one.
 */

import { MASK } from '../config/redact.js';

export interface Writer {
  /** One line (or block) on stdout; a newline is added. */
  out(text: string): void;
  /** One line (or block) on stderr; a newline is added. */
  err(text: string): void;
  /** The stream a progress bar may draw on (stderr), or undefined when it is not a terminal. */
  readonly tty: NodeJS.WriteStream | undefined;
  /** Adds values that must never be printed. */
  addSecrets(secrets: readonly (string | undefined)[]): void;
}

export interface WriterStreams {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
  tty?: NodeJS.WriteStream | undefined;
}

export function createWriter(streams: WriterStreams): Writer {
  const secrets = new Set<string>();
  const scrub = (text: string): string => {
    let out = text;
    for (const secret of secrets) out = out.split(secret).join(MASK);
    return out;
  };
  return {
    out: (text) => void streams.stdout.write(`${scrub(text)}\n`),
    err: (text) => void streams.stderr.write(`${scrub(text)}\n`),
    tty: streams.tty,
    addSecrets(values) {
      // Very short values would mask ordinary words; the library never prints them anyway.
      for (const value of values) if (value !== undefined && value.length >= 3) secrets.add(value);
    },
  };
}

/** The process's own streams; the progress bar only on a terminal. */
export function processWriter(): Writer {
  return createWriter({
    stdout: process.stdout,
    stderr: process.stderr,
    tty: process.stderr.isTTY ? process.stderr : undefined,
  });
}
