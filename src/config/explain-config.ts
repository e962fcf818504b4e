/**
 * Where each configuration value came from, for `redis-kit config`, and the
 * check for `REDIS_*` variables nobody reads (a typo such as `REDIS_LANSE`
 * would otherwise silently leave the default in place).
 */

import { FIELDS } from './fields.js';
import { loadConfig } from './load-config.js';
import type { RedisKitOptions } from './options.js';
import type { Env } from './read-field.js';
import { redacted } from './redact.js';
import { suggestOption } from './suggest-option.js';

/** Where a value came from: its default, its `REDIS_*` variable, or a command-line flag (programmatic option). */
export type ConfigSource = 'default' | 'environment' | 'flag';

/** One option of the effective configuration. */
export interface ExplainedOption {
  readonly option: keyof RedisKitOptions;
  readonly env: string;
  /** The resolved value, redacted (`***` for secrets, URLs without passwords); undefined when unset. */
  readonly value: unknown;
  readonly source: ConfigSource;
}

function isSet(raw: string | undefined, verbatim: boolean): boolean {
  return raw !== undefined && (verbatim ? raw !== '' : raw.trim() !== '');
}

/**
 * Every option with its resolved value (redacted) and its source. Credentials
 * and the database taken from the URL count as coming from wherever the URL
 * came from.
 *
 * @throws {ConfigError} as {@link loadConfig} does.
 */
export function explainConfig(env: Env = process.env, options: RedisKitOptions = {}): ExplainedOption[] {
  const shown = redacted(loadConfig(env, options));
  const sourceOf = (option: keyof RedisKitOptions, envName: string, verbatim: boolean): ConfigSource => {
    if (options[option] !== undefined) return 'flag';
    return isSet(env[envName], verbatim) ? 'environment' : 'default';
  };
  const urlSource = sourceOf('url', FIELDS.url.env, false);
  return Object.values(FIELDS).map((field) => {
    let source = sourceOf(field.option, field.env, field.verbatim);
    const fromUrl = field.option === 'username' || field.option === 'password' || field.option === 'db';
    if (source === 'default' && fromUrl && shown[field.option] !== undefined) source = urlSource;
    return { option: field.option, env: field.env, value: shown[field.option], source };
  });
}

/** A `REDIS_*` variable redis-kit does not read. */
export interface UnknownVariable {
  readonly name: string;
  /** The known variable it most likely meant, if one is close. */
  readonly suggestion: string | undefined;
}

const KNOWN_ENV: readonly string[] = Object.values(FIELDS).map((field) => field.env);

/**
 * The `REDIS_*` variables in `env` that no option reads, each with a "did you
 * mean" when a known one is close. Only names are looked at, never values.
 */
export function unknownRedisVariables(env: Env = process.env): UnknownVariable[] {
  const unknown: UnknownVariable[] = [];
  for (const name of Object.keys(env).sort()) {
    if (!name.startsWith('REDIS_') || KNOWN_ENV.includes(name)) continue;
    unknown.push({ name, suggestion: suggestOption(name, KNOWN_ENV) });
  }
  return unknown;
}
