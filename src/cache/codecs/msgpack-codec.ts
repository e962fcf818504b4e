import { createRequire } from 'node:module';
import { CodecUnavailableError } from '../errors.js';
import type { Codec } from './codec.js';

export interface MsgpackCodecOptions {
  /**
   * Options passed to msgpackr's `Packr`. Default `{ useRecords: false }`,
   * which stores objects as plain MessagePack maps that any MessagePack
   * library can read.
   *
   * Pitfall: `useRecords: true` (msgpackr's own record extension) is smaller
   * and faster, but only msgpackr can decode it, and every process sharing the
   * cache must use the same setting.
   */
  packrOptions?: Record<string, unknown>;
}

/** The part of msgpackr's Packr the codec uses. */
interface Packer {
  pack(value: unknown): Buffer;
  unpack(data: Buffer | Uint8Array): unknown;
}

interface MsgpackrModule {
  Packr: new (options?: Record<string, unknown>) => Packer;
}

/**
 * MessagePack through `msgpackr` (an optional peer dependency: install it to
 * use this codec). Smaller and faster than JSON for large values; Dates,
 * Buffers and 64-bit BigInts round-trip (a Set comes back as an array and a
 * Map as an object, unless `packrOptions: { moreTypes: true }`, msgpackr's
 * extension types, which other MessagePack libraries do not read). Not
 * readable in `redis-cli`.
 *
 * msgpackr is loaded when this function is called, not when redis-kit is
 * imported, so services without it are unaffected. Throws
 * {@link CodecUnavailableError} when it is not installed.
 */
export function msgpackCodec(options: MsgpackCodecOptions = {}): Codec<unknown> {
  const { Packr } = loadMsgpackr();
  const packer = new Packr({ useRecords: false, ...options.packrOptions });
  return Object.freeze({
    name: 'msgpack',
    binary: true,
    encode(value: unknown): Buffer {
      // msgpackr returns a view of a buffer it reuses for the next pack():
      // copy it, since the cache sends and keeps it after that.
      return Buffer.from(packer.pack(value));
    },
    decode(data: string | Buffer): unknown {
      return packer.unpack(typeof data === 'string' ? Buffer.from(data, 'latin1') : data);
    },
  });
}

function loadMsgpackr(): MsgpackrModule {
  const require = createRequire(import.meta.url);
  let loaded: unknown;
  try {
    loaded = require('msgpackr');
  } catch (error) {
    const missing = (error as { code?: unknown }).code === 'MODULE_NOT_FOUND';
    throw new CodecUnavailableError(
      missing
        ? 'msgpackCodec() needs the optional peer dependency msgpackr, which is not installed: npm install msgpackr'
        : `msgpackCodec() could not load msgpackr: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  }
  if (typeof (loaded as Partial<MsgpackrModule>).Packr !== 'function') {
    throw new CodecUnavailableError('msgpackCodec(): the installed msgpackr has no Packr export (msgpackr 1.x or later is needed)');
  }
  return loaded as MsgpackrModule;
}
