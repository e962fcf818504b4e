import { InvalidArgumentError } from '../../errors.js';

/** One argument of a command: strings are sent as UTF-8, numbers as their decimal text, Buffers as they are. */
export type CommandArg = string | Buffer | number;

/** Buffer arguments at least this large are handed to the socket by reference instead of being copied. */
const BY_REFERENCE_BYTES = 16 * 1024;
/** Size of the slabs commands are encoded into. */
const SLAB_BYTES = 64 * 1024;

/**
 * Encodes commands as RESP arrays of bulk strings into shared slabs, for one
 * connection. Commands appended between two `take()` calls come out as one
 * Buffer, so a tick's commands reach the socket in one write (when a large
 * Buffer argument is passed by reference, as a few chunks the connection
 * writes corked: one writev).
 *
 * Allocation: commands are written straight into a 64 KB slab (no
 * intermediate strings or Buffers per argument); the bytes handed to the
 * socket are views of the slab, which is never written over (the socket may
 * still hold them): the next commands go after them, and a new slab is taken
 * when one is full. A Buffer argument of 16 KB or more is not copied at all.
 */
export class CommandWriter {
  readonly #slabBytes: number;
  #slab: Buffer;
  /** Start of the bytes not yet taken. */
  #start = 0;
  /** End of what has been written into the slab. */
  #pos = 0;
  /** Finished pieces of the current batch (slab views and by-reference Buffers). */
  #chunks: Buffer[] = [];
  #pendingBytes = 0;
  /** Bytes of large Buffer arguments passed by reference during the current write(). */
  #byReference = 0;

  /** `slabBytes`: size of each slab (a command larger than that gets a slab of its own size). */
  constructor(slabBytes = SLAB_BYTES) {
    this.#slabBytes = slabBytes;
    this.#slab = Buffer.allocUnsafe(slabBytes);
  }

  /** Bytes appended and not yet taken. */
  get pendingBytes(): number {
    return this.#pendingBytes;
  }

  /** Appends one command: `name` then `args`, as one RESP array. */
  write(name: string, args: readonly CommandArg[]): void {
    // Size first (exact for strings), so the command fits one slab region.
    const nameBytes = Buffer.byteLength(name);
    let size = 16 + nameBytes + 16;
    for (let i = 0; i < args.length; i++) {
      const arg = args[i];
      if (typeof arg === 'string') size += Buffer.byteLength(arg) + 16;
      else if (typeof arg === 'number') size += 40;
      else if (Buffer.isBuffer(arg)) size += arg.length < BY_REFERENCE_BYTES ? arg.length + 16 : 16;
      // Checked before a byte is written: a half-written command would desynchronise the connection.
      else throw new InvalidArgumentError(`argument ${i + 1} of ${name} is ${describe(arg)}; expected a string, number or Buffer`);
    }
    this.#reserve(size);
    const before = this.#pos;
    let pos = writeHeader(this.#slab, this.#pos, 0x2a, args.length + 1);
    pos = this.#writeString(pos, name, nameBytes);
    for (let i = 0; i < args.length; i++) {
      const arg = args[i];
      if (typeof arg === 'string') pos = this.#writeString(pos, arg, Buffer.byteLength(arg));
      else if (typeof arg === 'number') {
        const text = String(arg);
        pos = this.#writeString(pos, text, text.length);
      } else pos = this.#writeBuffer(pos, arg as Buffer);
    }
    this.#pendingBytes += pos - before + this.#byReference;
    this.#byReference = 0;
    this.#pos = pos;
  }

  /**
   * Takes everything appended since the last call, in order: usually one
   * Buffer; more when a large Buffer argument was passed by reference. Empty
   * when nothing was appended.
   */
  take(): Buffer[] {
    if (this.#pos > this.#start) this.#chunks.push(this.#slab.subarray(this.#start, this.#pos));
    this.#start = this.#pos;
    const chunks = this.#chunks;
    this.#chunks = [];
    this.#pendingBytes = 0;
    return chunks;
  }

  /**
   * Makes room for `size` contiguous bytes after #pos. When the slab is full,
   * the batch so far moves to a new slab at least twice its size (copied once;
   * amortised like a growing array), so a tick's commands stay one Buffer and
   * one socket write however many there are.
   */
  #reserve(size: number): void {
    if (this.#pos + size <= this.#slab.length) return;
    const batch = this.#pos - this.#start;
    const slab = Buffer.allocUnsafe(Math.max(this.#slabBytes, 2 * batch + size));
    this.#slab.copy(slab, 0, this.#start, this.#pos);
    this.#slab = slab;
    this.#start = 0;
    this.#pos = batch;
  }

  #writeString(pos: number, value: string, bytes: number): number {
    const slab = this.#slab;
    let at = writeHeader(slab, pos, 0x24, bytes);
    at += slab.write(value, at, bytes, 'utf8');
    slab[at] = 0x0d;
    slab[at + 1] = 0x0a;
    return at + 2;
  }

  #writeBuffer(pos: number, value: Buffer): number {
    const slab = this.#slab;
    let at = writeHeader(slab, pos, 0x24, value.length);
    if (value.length < BY_REFERENCE_BYTES) {
      at += value.copy(slab, at);
    } else {
      // Close the region before it, send the Buffer itself, continue after it.
      this.#chunks.push(slab.subarray(this.#start, at), value);
      this.#byReference += value.length;
      this.#start = at;
    }
    slab[at] = 0x0d;
    slab[at + 1] = 0x0a;
    return at + 2;
  }
}

/** The type of a bad argument, never its value (it may be a secret). */
function describe(arg: unknown): string {
  if (arg === null) return 'null';
  if (typeof arg === 'object') return `an object (${arg.constructor?.name ?? 'no prototype'})`;
  return typeof arg;
}

/** Writes `<type><n>\r\n` at `pos`; returns the position after it. */
function writeHeader(buf: Buffer, pos: number, type: number, n: number): number {
  buf[pos] = type;
  let at = pos + 1;
  if (n < 10) {
    buf[at++] = 0x30 + n;
  } else {
    at += buf.write(String(n), at, 'latin1');
  }
  buf[at] = 0x0d;
  buf[at + 1] = 0x0a;
  return at + 2;
}

/** Encodes one command into its own Buffer (handshake commands, tests); the hot path uses a {@link CommandWriter}. */
export function encodeCommand(name: string, args: readonly CommandArg[]): Buffer {
  const writer = new CommandWriter(0);
  writer.write(name, args);
  const chunks = writer.take();
  return chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
}
