import { readFileSync } from 'node:fs';
import type { RateLimitAlgorithm } from './options.js';

/** The reply of every limiter script: `[allowed (1|0), remaining, resetMs, retryAfterMs]`. */
export type ScriptReply = [allowed: number, remaining: number, resetMs: number, retryAfterMs: number];

const FILES: Record<RateLimitAlgorithm, string> = {
  'sliding-window': 'sliding-counter.lua',
  'sliding-log': 'sliding-log.lua',
  'token-bucket': 'token-bucket.lua',
  'fixed-window': 'fixed-window.lua',
};

/**
 * Short tags in key names, so a limiter that changes algorithm never meets a
 * key of another type. The sliding log keeps `sw`, the tag of the lists it
 * wrote when it was the default `'sliding-window'`, so those keys stay valid
 * for it; the counter that now has that name writes hashes, under a tag of
 * its own, so an upgrade never meets an old list (WRONGTYPE).
 */
export const KEY_TAGS: Record<RateLimitAlgorithm, string> = {
  'sliding-window': 'sc',
  'sliding-log': 'sw',
  'token-bucket': 'tb',
  'fixed-window': 'fw',
};

const sources = new Map<RateLimitAlgorithm, string>();

/**
 * The Lua source of an algorithm, read once per process from the `.lua` file
 * next to this module (the build copies it into build/src/rate-limit/).
 */
export function luaSource(algorithm: RateLimitAlgorithm): string {
  let source = sources.get(algorithm);
  if (source === undefined) {
    source = readFileSync(new URL(`./${FILES[algorithm]}`, import.meta.url), 'utf8');
    sources.set(algorithm, source);
  }
  return source;
}
