import type { EventEmitter } from 'node:events';
import { ConnectError, type RedisKitError } from '../errors.js';
import type { EngineEvents } from './engine-seam.js';

export interface AwaitReadyOptions {
  /** Where the connection goes, for messages (never credentials). */
  target: string;
  /** How long the caller waits, backoff included. */
  timeoutMs: number;
  /** The error to report when the engine ends without a failure of its own. */
  endError: () => RedisKitError;
  /** Called with the timeout error before it is reported: drop the socket (and record the error). */
  onTimeout: (error: ConnectError) => void;
  /** Starts the attempt, after the listeners are in place so no event is missed. */
  start: () => void;
}

/**
 * Waits for an engine's handshake: resolves on `'ready'`, rejects with the
 * failure on `'connectFailed'` or `'end'`, and with a ConnectError when
 * `timeoutMs` passes first (a server that accepts but never answers). Both
 * engines share it, so they settle a connect the same way.
 */
export function awaitReady(engine: EventEmitter<EngineEvents>, options: AwaitReadyOptions): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const cleanup = (): void => {
      clearTimeout(timer);
      engine.off('ready', onReady);
      engine.off('connectFailed', onFail);
      engine.off('end', onEnd);
    };
    const onReady = (): void => {
      cleanup();
      resolve();
    };
    const onFail = (error: RedisKitError): void => {
      cleanup();
      reject(error);
    };
    const onEnd = (): void => onFail(options.endError());
    const timer = setTimeout(() => {
      cleanup();
      const error = new ConnectError(options.target, `connecting to ${options.target} timed out after ${options.timeoutMs} ms`);
      options.onTimeout(error);
      reject(error);
    }, options.timeoutMs);
    engine.on('ready', onReady);
    engine.on('connectFailed', onFail);
    engine.on('end', onEnd);
    options.start();
  });
}
