import { exists, getKeyIndexes } from '@ioredis/commands';

/** The key arguments of one command, per the command table ioredis routes by. */
export function commandKeys(method: string, args: readonly unknown[]): string[] {
  const lower = method.toLowerCase();
  const name = lower.endsWith('buffer') ? lower.slice(0, -'buffer'.length) : lower;
  if (!exists(name)) return [];
  // ioredis flattens array arguments before sending (del(['a', 'b'])); object
  // arguments (hset(key, { … })) never hold keys after the first one.
  const flat = args
    .flat()
    .filter((arg): arg is string | Buffer | number => typeof arg === 'string' || typeof arg === 'number' || Buffer.isBuffer(arg));
  let indexes: number[];
  try {
    indexes = getKeyIndexes(name, flat);
  } catch {
    // Arguments the command table cannot parse (EVAL with a bad numkeys …):
    // the server refuses them with a typed reply of its own; no key to check.
    return [];
  }
  return indexes.flatMap((index) => {
    const key = flat[index];
    return key === undefined ? [] : [String(key)];
  });
}
