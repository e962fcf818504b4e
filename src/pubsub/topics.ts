import { InvalidArgumentError } from '../errors.js';

/**
 * What to listen to. A string or an array of strings is always literal channel
 * names — a `*` in them is just a character, so a channel built from input can
 * never turn into a pattern. Patterns (Redis glob syntax: `*`, `?`, `[...]`)
 * must be asked for by name: `{ patterns: ['progress:*'] }`, optionally with
 * `channels` beside them.
 */
export type Topics = string | readonly string[] | TopicSet;

/** Channels and patterns together; at least one name in total. */
export interface TopicSet {
  /** Literal channel names (SUBSCRIBE). */
  channels?: string | readonly string[];
  /** Glob patterns (PSUBSCRIBE): `*` any run, `?` one byte, `[a-z]` / `[^…]` sets, `\` escapes. */
  patterns?: string | readonly string[];
}

/** Topics after validation: names deduplicated, in the order given. */
export interface NormalizedTopics {
  readonly channels: readonly string[];
  readonly patterns: readonly string[];
}

/** Validates `topics` and splits it into channels and patterns. Throws InvalidArgumentError. */
export function normalizeTopics(topics: Topics): NormalizedTopics {
  const set = (typeof topics === 'string' || Array.isArray(topics) ? { channels: topics } : topics) as TopicSet;
  if (set === null || typeof set !== 'object') {
    throw new InvalidArgumentError(`topics must be a channel name, an array of them, or { channels, patterns }; got ${typeof topics}`);
  }
  const channels = names(set.channels, 'channel');
  const patterns = names(set.patterns, 'pattern');
  if (channels.length === 0 && patterns.length === 0) {
    throw new InvalidArgumentError('subscribe to at least one channel or pattern');
  }
  return { channels, patterns };
}

function names(value: string | readonly string[] | undefined, what: string): string[] {
  if (value === undefined) return [];
  const list = typeof value === 'string' ? [value] : value;
  if (!Array.isArray(list)) throw new InvalidArgumentError(`${what}s must be a string or an array of strings`);
  for (const name of list) {
    if (typeof name !== 'string') throw new InvalidArgumentError(`a ${what} name must be a string; got ${typeof name}`);
  }
  return [...new Set(list as readonly string[])];
}
