import { copyOut, utf8 } from './buffer-slices.js';
import type { ReplySink } from './reply-sink.js';
import { RespErrorReply, RespProtocolError } from './resp-errors.js';

export type { ReplySink } from './reply-sink.js';

const LF = 0x0a;
const CR = 0x0d;

// Aggregate kinds kept on the frame stack.
const ARRAY = 0;
const ATTRIBUTE = 1;

// What a pending bulk body becomes once complete.
const BULK_STRING = 0;
const BULK_VERBATIM = 1;
const BULK_ERROR = 2;

/** One open aggregate on the parse stack (reused from reply to reply, not allocated per aggregate). */
interface Frame {
  kind: number;
  items: unknown[];
  /** Next slot of `items` (for an attribute: entries seen). */
  index: number;
  /** Slots to fill (for an attribute: entries to skip). */
  length: number;
}

/**
 * Returned by the line readers when the line is not complete in the buffer:
 * not an integer, so it can be neither a position nor a parsed RESP integer.
 */
const INCOMPLETE = -0.5;

/**
 * Incremental RESP2/RESP3 reply parser. Feed it socket chunks in order; it
 * calls the sink once per complete top-level reply.
 *
 * How it stays fast and copy-free: a reply that is complete in the chunk is
 * parsed in one pass without copying (a bulk string becomes a string straight
 * from the chunk, or a view of it when it is most of the chunk; small Buffers
 * are copied so they do not pin a 64 KB socket chunk). Aggregates are parsed
 * with an explicit stack of reusable frames, so an array split across chunks
 * resumes where it stopped instead of being parsed again. A bulk body that
 * does not fit the chunk is copied once, as its pieces arrive, into a Buffer
 * of its final size. Only a line (a header, a simple string, an integer) cut
 * by a chunk boundary is ever joined, and only that line.
 */
export class ReplyParser {
  readonly #sink: ReplySink;
  readonly #frames: Frame[] = [];
  #depth = 0;
  /** Strings as Buffers for the reply being parsed. */
  #buffers = false;
  /** The reply being parsed is a push frame. */
  #push = false;
  /** An incomplete line (from its type byte), waiting for the rest. */
  #partial: Buffer | undefined;
  /** A bulk body being assembled across chunks (with its CRLF). */
  #bulk: Buffer | undefined;
  #bulkFilled = 0;
  #bulkKind = BULK_STRING;
  /** Bumped by reset(), so a sink that resets the parser stops the loop feeding it. */
  #epoch = 0;
  /** Bytes fed before the current chunk, for error offsets. */
  #consumed = 0;
  // Out-values of #readInt, kept in fields to avoid allocating a result.
  #lineEnd = 0;

  constructor(sink: ReplySink) {
    this.#sink = sink;
  }

  /** Drops any partial reply (after the connection was lost). */
  reset(): void {
    this.#epoch++;
    this.#depth = 0;
    this.#partial = undefined;
    this.#bulk = undefined;
    for (const frame of this.#frames) frame.items = EMPTY;
  }

  /** True when the bytes fed so far end exactly at a reply boundary. */
  get idle(): boolean {
    return this.#depth === 0 && this.#partial === undefined && this.#bulk === undefined;
  }

  /**
   * Parses `chunk`, delivering every reply it completes.
   * @throws {RespProtocolError} when the bytes are not RESP; the parser must then be reset or dropped.
   */
  feed(chunk: Buffer): void {
    const epoch = this.#epoch;
    let data = chunk;
    const partial = this.#partial;
    if (partial !== undefined) {
      const lf = data.indexOf(LF);
      if (lf === -1) {
        this.#partial = Buffer.concat([partial, data]);
        this.#consumed += data.length;
        return;
      }
      // Join only the cut line; the rest is parsed straight from the chunk.
      this.#partial = undefined;
      const line = Buffer.concat([partial, data.subarray(0, lf + 1)]);
      this.#consumed -= partial.length;
      this.#run(line);
      if (epoch !== this.#epoch) return;
      data = data.subarray(lf + 1);
    }
    this.#run(data);
  }

  #run(buf: Buffer): void {
    const epoch = this.#epoch;
    const end = buf.length;
    let pos = 0;
    if (this.#bulk !== undefined) {
      pos = this.#continueBulk(buf);
      if (epoch !== this.#epoch) return;
    }
    while (pos < end) {
      const type = buf[pos] as number;
      if (this.#depth === 0) {
        this.#push = type === 0x3e;
        this.#buffers = this.#push || this.#sink.wantsBuffers();
      }
      const next = this.#element(buf, pos, type);
      if (next === INCOMPLETE) {
        this.#partial = buf.subarray(pos);
        break;
      }
      if (epoch !== this.#epoch) return;
      pos = next;
    }
    this.#consumed += end;
  }

  /** Parses one element (or an aggregate's header) at `pos`; returns the position after it. */
  #element(buf: Buffer, pos: number, type: number): number {
    switch (type) {
      case 0x24: // $ bulk string
        return this.#bulkElement(buf, pos, BULK_STRING);
      case 0x3a: {
        // : integer
        const value = this.#readInt(buf, pos + 1);
        if (value === INCOMPLETE) return INCOMPLETE;
        this.#complete(value, false);
        return this.#lineEnd;
      }
      case 0x2b: // + simple string
      case 0x2c: {
        // , double: its text, as RESP2 sent it
        const lf = this.#findLine(buf, pos);
        if (lf === INCOMPLETE) return INCOMPLETE;
        this.#complete(this.#buffers ? copyOut(buf, pos + 1, lf - 1) : utf8(buf, pos + 1, lf - 1), false);
        return lf + 1;
      }
      case 0x2a: // * array
      case 0x7e: // ~ set
      case 0x3e: // > push
        return this.#aggregate(buf, pos, ARRAY, 1);
      case 0x25: // % map
        return this.#aggregate(buf, pos, ARRAY, 2);
      case 0x7c: // | attribute
        return this.#aggregate(buf, pos, ATTRIBUTE, 2);
      case 0x2d: {
        // - simple error
        const lf = this.#findLine(buf, pos);
        if (lf === INCOMPLETE) return INCOMPLETE;
        this.#complete(new RespErrorReply(utf8(buf, pos + 1, lf - 1)), true);
        return lf + 1;
      }
      case 0x5f: {
        // _ null
        const lf = this.#findLine(buf, pos);
        if (lf === INCOMPLETE) return INCOMPLETE;
        if (lf !== pos + 2) throw this.#protocolError('a null (_) carries no data', pos);
        this.#complete(null, false);
        return lf + 1;
      }
      case 0x23: {
        // # boolean
        const lf = this.#findLine(buf, pos);
        if (lf === INCOMPLETE) return INCOMPLETE;
        const flag = buf[pos + 1];
        if (lf !== pos + 3 || (flag !== 0x74 && flag !== 0x66)) throw this.#protocolError('a boolean (#) must be t or f', pos);
        this.#complete(flag === 0x74 ? 1 : 0, false);
        return lf + 1;
      }
      case 0x28: {
        // ( big number
        const lf = this.#findLine(buf, pos);
        if (lf === INCOMPLETE) return INCOMPLETE;
        const text = buf.toString('latin1', pos + 1, lf - 1);
        if (!/^[-+]?\d+$/.test(text)) throw this.#protocolError(`invalid big number ${JSON.stringify(text)}`, pos);
        this.#complete(text, false);
        return lf + 1;
      }
      case 0x3d: // = verbatim string
        return this.#bulkElement(buf, pos, BULK_VERBATIM);
      case 0x21: // ! blob error
        return this.#bulkElement(buf, pos, BULK_ERROR);
      default:
        throw this.#protocolError(`unexpected type byte 0x${type.toString(16).padStart(2, '0')}`, pos);
    }
  }

  #bulkElement(buf: Buffer, pos: number, kind: number): number {
    const length = this.#readInt(buf, pos + 1);
    if (length === INCOMPLETE) return INCOMPLETE;
    const start = this.#lineEnd;
    if (length < 0) {
      if (length !== -1 || kind !== BULK_STRING) throw this.#protocolError(`invalid bulk length ${length}`, pos);
      this.#complete(null, false);
      return start;
    }
    if (kind === BULK_VERBATIM && length < 4) throw this.#protocolError('a verbatim string needs its 4-byte format', pos);
    const stop = start + length;
    if (stop + 2 <= buf.length) {
      if (buf[stop] !== CR || buf[stop + 1] !== LF) throw this.#protocolError(`bulk of ${length} bytes not followed by CRLF`, stop);
      this.#completeBulk(buf, start, stop, kind, false);
      return stop + 2;
    }
    // The body runs past this chunk: assemble it, copying each piece once.
    const bulk = Buffer.allocUnsafe(length + 2);
    this.#bulkFilled = buf.copy(bulk, 0, start);
    this.#bulk = bulk;
    this.#bulkKind = kind;
    return buf.length;
  }

  /** Copies the next piece of the bulk being assembled; returns the position after what it used. */
  #continueBulk(buf: Buffer): number {
    const bulk = this.#bulk as Buffer;
    const used = buf.copy(bulk, this.#bulkFilled, 0, Math.min(buf.length, bulk.length - this.#bulkFilled));
    this.#bulkFilled += used;
    if (this.#bulkFilled < bulk.length) return used;
    this.#bulk = undefined;
    const stop = bulk.length - 2;
    if (bulk[stop] !== CR || bulk[stop + 1] !== LF) throw this.#protocolError(`bulk of ${stop} bytes not followed by CRLF`, used);
    this.#completeBulk(bulk, 0, stop, this.#bulkKind, true);
    return used;
  }

  /** `owned`: `buf` is this value's own memory (assembled), so a view of it pins nothing else. */
  #completeBulk(buf: Buffer, start: number, stop: number, kind: number, owned: boolean): void {
    if (kind === BULK_ERROR) {
      this.#complete(new RespErrorReply(utf8(buf, start, stop)), true);
      return;
    }
    const from = kind === BULK_VERBATIM ? start + 4 : start;
    if (!this.#buffers) this.#complete(utf8(buf, from, stop), false);
    else this.#complete(owned ? buf.subarray(from, stop) : copyOut(buf, from, stop), false);
  }

  #aggregate(buf: Buffer, pos: number, kind: number, perEntry: number): number {
    const count = this.#readInt(buf, pos + 1);
    if (count === INCOMPLETE) return INCOMPLETE;
    const next = this.#lineEnd;
    if (count < 0) {
      if (count !== -1 || buf[pos] !== 0x2a) throw this.#protocolError(`invalid aggregate length ${count}`, pos);
      this.#complete(null, false);
      return next;
    }
    const length = count * perEntry;
    if (length === 0) {
      if (kind === ARRAY) this.#complete([], false);
      return next;
    }
    let frame = this.#frames[this.#depth];
    if (frame === undefined) {
      frame = { kind, items: EMPTY, index: 0, length: 0 };
      this.#frames.push(frame);
    }
    frame.kind = kind;
    frame.items = kind === ARRAY ? new Array(length) : EMPTY;
    frame.index = 0;
    frame.length = length;
    this.#depth++;
    return next;
  }

  /** Puts a finished value into its parent, closing every aggregate it completes; delivers top-level ones. */
  #complete(value: unknown, isError: boolean): void {
    let current = value;
    let error = isError;
    while (this.#depth > 0) {
      const frame = this.#frames[this.#depth - 1] as Frame;
      if (frame.kind === ATTRIBUTE) {
        if (++frame.index < frame.length) return;
        // The attribute is done and dropped; the value it annotates comes next.
        this.#depth--;
        return;
      }
      frame.items[frame.index++] = current;
      if (frame.index < frame.length) return;
      current = frame.items;
      frame.items = EMPTY;
      error = false;
      this.#depth--;
    }
    if (this.#push) this.#sink.onPush(current as unknown[]);
    else if (error) this.#sink.onError(current as RespErrorReply);
    else this.#sink.onReply(current);
  }

  /**
   * Reads the signed decimal integer of the line starting at `pos` (after the
   * type byte); sets #lineEnd past its CRLF. INCOMPLETE when the line is cut.
   */
  #readInt(buf: Buffer, pos: number): number {
    const end = buf.length;
    let i = pos;
    let negative = false;
    if (i < end && buf[i] === 0x2d) {
      negative = true;
      i++;
    }
    const digits = i;
    let value = 0;
    while (i < end) {
      const byte = buf[i] as number;
      if (byte === CR) break;
      const digit = byte - 0x30;
      if (digit < 0 || digit > 9) throw this.#protocolError(`invalid integer byte 0x${byte.toString(16)}`, i);
      value = value * 10 + digit;
      i++;
    }
    if (i + 1 >= end) return INCOMPLETE;
    if (buf[i + 1] !== LF || i === digits) throw this.#protocolError('malformed integer line', pos);
    // Beyond 15 digits the running sum may round differently from the decimal value.
    if (i - digits > 15) value = Number(buf.toString('latin1', digits, i));
    this.#lineEnd = i + 2;
    return negative ? -value : value;
  }

  /** Position of the LF ending the line that starts at `pos`, or INCOMPLETE. */
  #findLine(buf: Buffer, pos: number): number {
    const lf = buf.indexOf(LF, pos + 1);
    if (lf === -1) return INCOMPLETE;
    if (buf[lf - 1] !== CR || lf - 1 <= pos) throw this.#protocolError('line not terminated by CRLF', pos);
    return lf;
  }

  #protocolError(message: string, at: number): RespProtocolError {
    return new RespProtocolError(message, this.#consumed + at);
  }
}

const EMPTY: unknown[] = [];
