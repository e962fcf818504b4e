/**
 * The reply transforms ioredis applies (node_modules/ioredis/built/Command.js
 * and replyTransformers.js, "legacy" reply mapping), so a reply through the
 * own engine is identical to one through ioredis. RESP3 maps already arrive
 * as flat arrays from the parser, as in ioredis's legacy mapping; what is left
 * is shape: HGETALL becomes an object, and on RESP3 the pair replies
 * (ZRANGE … WITHSCORES, HRANDFIELD … WITHVALUES) are flattened back to RESP2's
 * flat arrays and XREAD's stream map becomes `[stream, entries][]`.
 */

const PAIR_COMMANDS = new Set([
  'hrandfield',
  'zdiff',
  'zinter',
  'zpopmax',
  'zpopmin',
  'zunion',
  'zrandmember',
  'zrange',
  'zrangebyscore',
  'zrevrange',
  'zrevrangebyscore',
]);

/** `reply` of command `name` (lower-case) as ioredis would resolve it. */
export function transformReply(name: string, reply: unknown, protocol: 2 | 3): unknown {
  if (name === 'hgetall') return toObject(reply);
  if (name === 'vsim') return flattenPairs(reply);
  if (protocol === 2) return reply;
  if (PAIR_COMMANDS.has(name)) return flattenPairs(reply);
  if (name === 'xread' || name === 'xreadgroup') return wrapPairs(reply);
  return reply;
}

function toObject(reply: unknown): unknown {
  if (!Array.isArray(reply)) return reply;
  const object: Record<string, unknown> = {};
  for (let i = 0; i < reply.length; i += 2) {
    const key = String(reply[i]);
    const value: unknown = reply[i + 1];
    // '__proto__' or 'constructor' as a field name must become an own property, not touch the prototype.
    if (key in object) Object.defineProperty(object, key, { value, configurable: true, enumerable: true, writable: true });
    else object[key] = value;
  }
  return object;
}

function flattenPairs(reply: unknown): unknown {
  if (!Array.isArray(reply)) return reply;
  let flat: unknown[] | undefined;
  for (let i = 0; i < reply.length; i++) {
    const item: unknown = reply[i];
    if (Array.isArray(item)) {
      flat ??= reply.slice(0, i);
      flat.push(...item);
    } else flat?.push(item);
  }
  return flat ?? reply;
}

function wrapPairs(reply: unknown): unknown {
  if (!Array.isArray(reply)) return reply;
  const wrapped: unknown[] = [];
  for (let i = 0; i < reply.length; i += 2) wrapped.push([reply[i], reply[i + 1]]);
  return wrapped;
}
