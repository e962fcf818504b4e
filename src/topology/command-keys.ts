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

/** Per command name: whether its first key is always its first argument (GET, SET, HSET …). */
const firstArgumentIsKey = new Map<string, boolean>();

function keyComesFirst(name: string): boolean {
  let known = firstArgumentIsKey.get(name);
  if (known === undefined) {
    // Asked with two argument shapes, so a command whose keys depend on its
    // arguments (EVAL's numkeys, XREAD's STREAMS, subcommands) is never taken for one.
    try {
      known = exists(name) && getKeyIndexes(name, ['a', 'b', 'c'])[0] === 0 && getKeyIndexes(name, ['2', 'a', 'b', 'c', 'd'])[0] === 0;
    } catch {
      known = false;
    }
    firstArgumentIsKey.set(name, known);
  }
  return known;
}

/**
 * The first key of one command, or undefined when it has none. The same as
 * `commandKeys(method, args)[0]`, without building the whole key list for
 * the commands whose key is their first argument (the cluster lanes ask it
 * for every command).
 */
export function firstKey(method: string, args: readonly unknown[]): string | undefined {
  const first = args[0];
  if ((typeof first === 'string' || Buffer.isBuffer(first)) && keyComesFirst(method.toLowerCase())) return String(first);
  return commandKeys(method, args)[0];
}
