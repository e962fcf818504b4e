import { list as commandList, hasFlag } from '@ioredis/commands';

/** Every command name ioredis knows, lower-case. */
export const commandNames: readonly string[] = commandList;

const blocking = new Set(commandList.filter((name) => hasFlag(name, 'blocking')));
const readOnly = new Set([...commandList.filter((name) => hasFlag(name, 'readonly')), 'ping', 'echo', 'info', 'time']);

/** Whether a command only reads, so sending it twice cannot change anything. */
export function isReadOnly(name: string): boolean {
  return readOnly.has(name);
}

/**
 * Commands that change the state of the connection they run on. On a shared
 * lane that state would leak into everyone else's commands, so the client
 * refuses them and points to `lease()` (or `subscribe()`).
 */
const connectionState = new Set([
  'watch',
  'unwatch',
  'multi',
  'exec',
  'discard',
  'select',
  'swapdb',
  'subscribe',
  'psubscribe',
  'ssubscribe',
  'unsubscribe',
  'punsubscribe',
  'sunsubscribe',
  'monitor',
  'quit',
  'reset',
  'auth',
  'hello',
  'readonly',
  'readwrite',
  'sync',
  'psync',
]);

/** CLIENT subcommands that change the calling connection rather than read the server. */
const clientStateSubcommands = new Set(['setname', 'tracking', 'reply', 'caching', 'no-evict', 'no-touch', 'setinfo', 'trackinginfo']);

/** Why a command may not run on a shared lane, or undefined when it may. */
export function laneRefusal(name: string, args: readonly unknown[]): string | undefined {
  if (connectionState.has(name)) {
    if (name.endsWith('subscribe')) return `${name.toUpperCase()} puts a connection in subscriber mode: use redis.subscribe()`;
    return `${name.toUpperCase()} changes the state of its connection: run it inside redis.lease(async (conn) => …)`;
  }
  if (name === 'client' && clientStateSubcommands.has(String(args[0]).toLowerCase())) {
    return `CLIENT ${String(args[0]).toUpperCase()} changes the state of its connection: run it inside redis.lease(async (conn) => …)`;
  }
  return undefined;
}

/** Why a batch (pipeline or MULTI) may not run on a shared lane, or undefined when it may. */
export function laneBatchRefusal(commands: readonly (readonly [string, ...unknown[]])[]): string | undefined {
  for (const [method, ...args] of commands) {
    const name = method.toLowerCase();
    const refusal = laneRefusal(name, args) ?? (isBlocking(name, args) ? `${method} blocks: run it inside lease()` : undefined);
    if (refusal !== undefined) return `in a pipeline: ${refusal}`;
  }
  return undefined;
}

/**
 * Whether a command blocks its connection. XREAD and XREADGROUP only block
 * with a BLOCK argument; the others always may.
 */
export function isBlocking(name: string, args: readonly unknown[]): boolean {
  if (!blocking.has(name)) return false;
  if (name === 'xread' || name === 'xreadgroup') return indexOfWord(args, 'block') !== -1;
  return true;
}

/**
 * How long the server may hold a blocking command, in ms: Infinity for
 * "forever" (a timeout of 0). Used to stretch the command's deadline so that
 * BLPOP with a 2 s timeout is not failed by a 1 s command timeout.
 */
export function blockingTimeoutMs(name: string, args: readonly unknown[]): number {
  let raw: unknown;
  let unit = 1000;
  switch (name) {
    case 'blmpop':
    case 'bzmpop':
      raw = args[0];
      break;
    case 'wait':
    case 'waitaof':
      raw = args[args.length - 1];
      unit = 1;
      break;
    case 'xread':
    case 'xreadgroup':
      raw = args[indexOfWord(args, 'block') + 1];
      unit = 1;
      break;
    default:
      raw = args[args.length - 1];
  }
  const value = Number(typeof raw === 'object' && raw !== null ? String(raw) : raw);
  if (!Number.isFinite(value) || value < 0) return Number.POSITIVE_INFINITY;
  return value === 0 ? Number.POSITIVE_INFINITY : value * unit;
}

function indexOfWord(args: readonly unknown[], word: string): number {
  return args.findIndex((arg) => (typeof arg === 'string' || Buffer.isBuffer(arg)) && String(arg).toLowerCase() === word);
}
