import { randomBytes } from 'node:crypto';

/** Crockford's base32: no I, L, O, U; its characters sort in ASCII order, so the ids sort as their times do. */
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const TIME_CHARS = 10;
const RANDOM_BYTES = 10;

/**
 * ULID-shaped ids (26 characters: 48 bits of milliseconds, 80 random bits),
 * so `create()` ids sort by creation time and `list()` pages read in a
 * meaningful order in `redis-cli`. Within one millisecond (or when the clock
 * steps back) the random part is incremented instead of redrawn, so ids from
 * one generator never go backwards and never repeat.
 */
export class SortableIdGenerator {
  readonly #now: () => number;
  #lastTime = -1;
  #lastRandom = Buffer.alloc(RANDOM_BYTES);

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  next(): string {
    const time = Math.max(0, Math.floor(this.#now()));
    if (time > this.#lastTime) {
      this.#lastTime = time;
      this.#lastRandom = randomBytes(RANDOM_BYTES);
    } else if (!increment(this.#lastRandom)) {
      // 2^80 ids in one millisecond cannot happen; a wrapped counter would break the order, so take the next ms.
      this.#lastTime++;
      this.#lastRandom = randomBytes(RANDOM_BYTES);
    }
    return encodeTime(this.#lastTime) + encodeRandom(this.#lastRandom);
  }
}

/** Adds one to a big-endian counter; false when it wrapped around. */
function increment(bytes: Buffer): boolean {
  for (let i = bytes.length - 1; i >= 0; i--) {
    const value = (bytes[i] as number) + 1;
    bytes[i] = value & 0xff;
    if (value <= 0xff) return true;
  }
  return false;
}

function encodeTime(ms: number): string {
  let out = '';
  let rest = ms;
  for (let i = 0; i < TIME_CHARS; i++) {
    out = ALPHABET[rest % 32] + out;
    rest = Math.floor(rest / 32);
  }
  return out;
}

/** 80 bits → 16 characters, 5 bits each. */
function encodeRandom(bytes: Buffer): string {
  let out = '';
  let bits = 0;
  let value = 0;
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += ALPHABET[(value >> bits) & 31];
    }
    value &= (1 << bits) - 1;
  }
  return out;
}

/** The millisecond timestamp a sortable id was made at. */
export function sortableIdTime(id: string): number {
  let ms = 0;
  for (const char of id.slice(0, TIME_CHARS)) ms = ms * 32 + ALPHABET.indexOf(char);
  return ms;
}
