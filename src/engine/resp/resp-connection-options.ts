import type tls from 'node:tls';
import type { RedisKitError } from '../../errors.js';
import type { CommandArg } from './encode-command.js';

/** Options of {@link RespConnection}. */
export interface RespConnectionOptions {
  /** Host name or address of the server. */
  host: string;
  /** TCP port of the server. */
  port: number;
  /** Connect with TLS (node:tls) using these options; plain TCP when absent. */
  tls?: tls.ConnectionOptions | undefined;
  /** ACL user name; `default` when only a password is given. */
  username?: string | undefined;
  /** Password (AUTH). Used during the handshake only and not kept afterwards. */
  password?: string | undefined;
  /** Database to SELECT after the handshake. Default 0 (no SELECT). */
  db?: number | undefined;
  /** Connection name shown by CLIENT LIST (`HELLO … SETNAME` / `CLIENT SETNAME`). */
  name?: string | undefined;
  /**
   * 3 (default): `HELLO 3`, falling back to RESP2 when the server has no
   * HELLO; 2: RESP2 only. Replies have the same shape either way.
   */
  protocol?: 2 | 3 | undefined;
  /** Give up when TCP connect plus handshake take longer (ms). Default 10000. */
  connectTimeoutMs?: number | undefined;
  /**
   * Backpressure bound (bytes): when what the socket has not yet sent passes
   * it, `send()` returns false, writes are held back (they coalesce) and
   * `'drain'` is emitted once the socket has caught up. Default 4 MiB.
   */
  maxBufferedBytes?: number | undefined;
  /**
   * When a tick's commands are written: `'nextTick'` (default;
   * process.nextTick) or `'microtask'` (queueMicrotask). Both run before any
   * I/O and coalesce what a tick issued equally (measured: docs/benchmarks.md,
   * "Own engine: parser"); nextTick runs after the whole microtask queue, so
   * commands issued after several awaits (the lanes' wrappers) still join the
   * batch where a microtask flush queued earlier could split it.
   */
  flushWith?: 'microtask' | 'nextTick' | undefined;
}

export interface RespConnectionEvents {
  /** The handshake finished; commands flow. */
  ready: [];
  /** The socket is gone. `error` is why (undefined after a clean quit()). */
  close: [error: RedisKitError | undefined];
  /** `send()` returned false earlier and the socket has caught up. */
  drain: [];
}

/** A listener of RESP3 push frames (invalidations, pub/sub on RESP3); strings are Buffers. */
export type PushListener = (frame: unknown[]) => void;

/**
 * A last handshake step (see `RespConnection.beforeReady`): `send` writes a
 * command at once, ahead of anything held, and resolves with its reply.
 */
export type SetupStep = (send: (name: string, args: readonly CommandArg[]) => Promise<unknown>, protocol: 2 | 3) => Promise<void>;
