import { EngineError, type RedisKitError } from '../../errors.js';
import { classifyError, isReplyError } from '../classify-error.js';
import type { RespEngine } from '../resp-engine.js';
import type { RespConnection } from './resp-connection.js';
import type { SetupStep } from './resp-connection-options.js';

/** What one lane's tracking reports to its owner (the near-cache's lane hub). */
export interface LaneTrackingEvents {
  /** Full key names (client key prefix included) the server invalidated, or `null`: it was flushed. */
  invalidated(keys: string[] | null): void;
  /** Whether this lane is ready and whether it tracks may have changed: recompute what depends on it. */
  changed(): void;
  /** A connection that had tracking on is gone: the keys read through it are no longer tracked. */
  lost(): void;
  /** Tracking was refused on this lane (ACL, a server without it, RESP2 only). */
  failed(error: RedisKitError): void;
}

/** `CLIENT TRACKING ON OPTIN`: the server tracks only the keys of reads preceded by `CLIENT CACHING YES`. */
const TRACKING_ON = ['TRACKING', 'ON', 'OPTIN'] as const;

/**
 * Client-side caching on one lane of the own engine (issue #8), RESP3 only:
 * while {@link enable}d, every connection the lane opens turns tracking on
 * in OPTIN mode as the last step of its handshake (before it is ready, so
 * nothing is ever read through it untracked), a connection already up turns
 * it on at once, and the server's `>invalidate` push frames on it are handed
 * on. Other push frames (none are expected on a lane) are ignored. The read
 * side, `CLIENT CACHING YES` sent right before each read that may be kept,
 * is the near-cache's (src/cache/redis-store.ts).
 *
 * OPTIN rather than default mode: the server then tracks only the keys the
 * near-cache asked about, not every key any caller reads through the lanes.
 */
export class LaneTracking {
  readonly engine: RespEngine;
  readonly #events: LaneTrackingEvents;
  #wanted = false;
  #connection: RespConnection | undefined;
  /** The server confirmed tracking on {@link #connection}. */
  #on = false;
  /** The connection tracking was last asked for on (once per connection, also when refused). */
  #asked: RespConnection | undefined;
  /** Why tracking was last refused, for diagnostics. */
  lastError: RedisKitError | undefined;

  constructor(engine: RespEngine, events: LaneTrackingEvents) {
    this.engine = engine;
    this.#events = events;
    const current = engine.hookConnections((connection) => this.#attach(connection, true));
    // Opened before this hook: too late for its handshake, brought up to date once ready.
    if (current !== undefined) this.#attach(current, false);
  }

  /** The lane's connection has finished its handshake. */
  get ready(): boolean {
    return this.#connection?.isReady === true;
  }

  /** The server tracks for the lane's current connection. */
  get tracking(): boolean {
    return this.#on && this.ready;
  }

  /** Turns tracking on, now on a ready connection and in every later handshake. */
  enable(): void {
    if (this.#wanted) return;
    this.#wanted = true;
    const connection = this.#connection;
    if (connection?.isReady === true) this.#switchOnNow(connection);
  }

  /** On a ready connection: CLIENT TRACKING goes out after what is already queued on it. */
  #switchOnNow(connection: RespConnection): void {
    void this.#switchOn(connection, (name, args) => connection.call(name, args), connection.protocol);
  }

  /** Turns tracking off (no near-cache left): later connections do not ask for it. */
  disable(): void {
    if (!this.#wanted) return;
    this.#wanted = false;
    const connection = this.#connection;
    if (this.#on && connection?.isReady === true) connection.call('CLIENT', ['TRACKING', 'OFF']).catch(() => undefined);
    this.#on = false;
    this.#asked = undefined;
    this.#events.changed();
  }

  #attach(connection: RespConnection, fresh: boolean): void {
    this.#connection = connection;
    this.#on = false;
    if (fresh) {
      const step: SetupStep = async (send, protocol) => {
        if (this.#wanted && connection === this.#connection) await this.#switchOn(connection, send, protocol, true);
      };
      connection.beforeReady(step);
    }
    connection.onPush((frame) => {
      if (connection === this.#connection) this.#push(frame);
    });
    connection.on('ready', () => {
      if (connection !== this.#connection) return;
      // Not fresh, or enabled during the handshake after its step had run.
      if (this.#wanted && this.#asked !== connection) this.#switchOnNow(connection);
      this.#events.changed();
    });
    connection.on('close', () => {
      if (connection !== this.#connection) return;
      const had = this.#on;
      this.#on = false;
      if (had) this.#events.lost();
      this.#events.changed();
    });
  }

  async #switchOn(connection: RespConnection, send: Parameters<SetupStep>[0], protocol: 2 | 3, inHandshake = false): Promise<void> {
    this.#asked = connection;
    if (protocol !== 3) {
      // RESP2 has no push frames: invalidations would need a second connection (REDIRECT), which the lanes do not have.
      this.#refused(
        new EngineError(
          `${connection.target} did not accept HELLO 3: the near-cache's invalidations arrive on the lanes as RESP3 push frames, so it stays bypassed`,
        ),
      );
      return;
    }
    try {
      await send('CLIENT', TRACKING_ON);
    } catch (raw) {
      const error = classifyError(raw, 'client tracking');
      // A lost connection says so itself (its close, or the failed handshake).
      if (!isReplyError(error)) {
        if (inHandshake) throw error;
        return;
      }
      this.#refused(error);
      return;
    }
    if (connection !== this.#connection || !this.#wanted) return;
    this.#on = true;
    this.lastError = undefined;
    this.#events.changed();
  }

  #refused(error: RedisKitError): void {
    this.lastError = error;
    this.#events.failed(error);
    this.#events.changed();
  }

  #push(frame: unknown[]): void {
    if (frame.length < 2 || !isWord(frame[0], 'invalidate')) return;
    const keys = frame[1];
    if (keys === null) this.#events.invalidated(null);
    else if (Array.isArray(keys)) this.#events.invalidated(keys.map((key: unknown) => String(key)));
  }
}

function isWord(value: unknown, word: string): boolean {
  return (Buffer.isBuffer(value) || typeof value === 'string') && value.length === word.length && value.toString().toLowerCase() === word;
}
