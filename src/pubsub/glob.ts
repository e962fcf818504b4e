/**
 * Redis's glob matching (`stringmatchlen` in util.c), for PSUBSCRIBE patterns
 * in memory mode. It works on bytes, as Redis does, so a pattern matches the
 * same channels in memory as on a server:
 *
 * - `*` any run of bytes (also empty), `?` exactly one byte,
 * - `[abc]` one of, `[^abc]` none of, `[a-z]` a range (reversed ranges are
 *   swapped), `\x` inside brackets a literal `x`,
 * - `\x` elsewhere a literal `x`; a trailing `\` is a literal backslash,
 * - an unterminated `[` set ends at the end of the pattern.
 *
 * Pitfall: a range compares bytes as unsigned here; Redis compares C chars,
 * which are signed on x86, so a range whose ends are not both ASCII (`[a-ÿ]`)
 * can select different channels there. ASCII ranges agree everywhere.
 *
 * Matching is case-sensitive. A run of `*` costs no more than one, and once the
 * rest of the pattern failed from every later position the search stops
 * (Redis's `skipLongerMatches`), so no pattern takes exponential time.
 */
export function globMatch(pattern: string, subject: string): boolean {
  const state = { skipLonger: false };
  return matchFrom(Buffer.from(pattern, 'utf8'), 0, Buffer.from(subject, 'utf8'), 0, state);
}

const STAR = 0x2a;
const QUESTION = 0x3f;
const OPEN = 0x5b;
const CLOSE = 0x5d;
const CARET = 0x5e;
const BACKSLASH = 0x5c;
const DASH = 0x2d;

/** Pattern byte at `i`, or -1 past the end (where C reads the terminating NUL). */
function at(buffer: Buffer, i: number): number {
  return i < buffer.length ? (buffer[i] as number) : -1;
}

function matchFrom(p: Buffer, pi: number, s: Buffer, si: number, state: { skipLonger: boolean }): boolean {
  while (pi < p.length && si < s.length) {
    const c = p[pi] as number;
    if (c === STAR) {
      while (at(p, pi + 1) === STAR) pi++;
      if (pi + 1 === p.length) return true;
      for (; si < s.length; si++) {
        if (matchFrom(p, pi + 1, s, si, state)) return true;
        if (state.skipLonger) return false;
      }
      state.skipLonger = true;
      return false;
    }
    if (c === QUESTION) {
      si++;
    } else if (c === OPEN) {
      const set = matchSet(p, pi + 1, s[si] as number);
      if (!set.match) return false;
      pi = set.end;
      si++;
    } else {
      // A backslash escapes the next byte; a trailing one is itself.
      if (c === BACKSLASH && pi + 1 < p.length) pi++;
      if (p[pi] !== s[si]) return false;
      si++;
    }
    pi++;
    if (si === s.length) {
      while (at(p, pi) === STAR) pi++;
      break;
    }
  }
  return pi >= p.length && si === s.length;
}

/**
 * Matches one byte against the set starting at `start` (just after `[`).
 * Returns whether it matched and the index of the closing `]` (or of the last
 * byte, when the set is unterminated), where the caller's `pi++` continues.
 */
function matchSet(p: Buffer, start: number, byte: number): { match: boolean; end: number } {
  let pi = start;
  const negate = at(p, pi) === CARET;
  if (negate) pi++;
  let match = false;
  for (;;) {
    const c = at(p, pi);
    if (c === BACKSLASH && p.length - pi >= 2) {
      pi++;
      if (p[pi] === byte) match = true;
    } else if (c === CLOSE) {
      break;
    } else if (c === -1) {
      // Unterminated: step back so the caller's increment lands on the end.
      pi--;
      break;
    } else if (p.length - pi >= 3 && at(p, pi + 1) === DASH) {
      let low = c;
      let high = at(p, pi + 2);
      if (low > high) [low, high] = [high, low];
      pi += 2;
      if (byte >= low && byte <= high) match = true;
    } else if (c === byte) {
      match = true;
    }
    pi++;
  }
  return { match: negate ? !match : match, end: pi };
}
