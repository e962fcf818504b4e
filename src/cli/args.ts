/**
 * Strict argument parsing on `node:util` `parseArgs`: an unknown flag, a
 * missing value or a stray argument is a {@link UsageError} (exit 2, with the
 * command's usage), never silently ignored.
 */

import { parseArgs, type ParseArgsConfig } from 'node:util';
import { InvalidArgumentError } from '../errors.js';

/**
 * The command line (or an operator's variable such as PORT) was wrong: exit 2.
 * `command` selects the usage shown with it; `showUsage: false` for a bad
 * variable, where the usage would only bury the one line that matters.
 */
export class UsageError extends InvalidArgumentError {
  readonly command: string | undefined;
  readonly showUsage: boolean;
  constructor(message: string, command?: string, options: { showUsage?: boolean } = {}) {
    super(message);
    this.name = 'UsageError';
    this.command = command;
    this.showUsage = options.showUsage ?? true;
  }
}

type Options = NonNullable<ParseArgsConfig['options']>;

/** Parsed flags: strings for `type: 'string'`, true for booleans given, absent otherwise. */
export type Flags = Readonly<Record<string, string | boolean | undefined>>;

/** A string flag's value (undefined when absent). */
export const text = (flags: Flags, name: string): string | undefined => {
  const value = flags[name];
  return typeof value === 'string' ? value : undefined;
};

/** Parses `argv` for `command` with the given flags (plus `--help`); no positional arguments. */
export function parseFlags(command: string, argv: string[], options: Options): Flags {
  try {
    return parseArgs({
      args: argv,
      options: { ...options, help: { type: 'boolean', short: 'h' } },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (error) {
    // parseArgs throws a TypeError with an ERR_PARSE_ARGS_* code and a readable message.
    if (error instanceof TypeError && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS')) {
      throw new UsageError(error.message, command);
    }
    throw error;
  }
}

/** A flag's value as an integer in [min, max], or a UsageError naming the flag. */
export function intFlag(command: string, flag: string, raw: string | undefined, min: number, max: number): number | undefined {
  if (raw === undefined) return undefined;
  const value = /^\d+$/.test(raw.trim()) ? Number(raw.trim()) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new UsageError(`--${flag} must be an integer from ${min} to ${max}; received ${JSON.stringify(raw)}`, command);
  }
  return value;
}

/** A flag's value as a decimal number in [min, max], or a UsageError naming the flag. */
export function numberFlag(command: string, flag: string, raw: string | undefined, min: number, max: number): number | undefined {
  if (raw === undefined) return undefined;
  const value = /^(?:\d+(?:\.\d*)?|\.\d+)$/.test(raw.trim()) ? Number(raw.trim()) : Number.NaN;
  if (!(value >= min && value <= max)) {
    throw new UsageError(`--${flag} must be a number from ${min} to ${max}; received ${JSON.stringify(raw)}`, command);
  }
  return value;
}
