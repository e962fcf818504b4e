/**
 * Just enough of RESP2 for test helpers: encoding commands and incrementally decoding replies.
 * Test code, not a product parser: values are decoded as UTF-8 strings and integers as JS numbers.
 */

/** An error reply from the server. `message` is the server's error text verbatim. */
export class RespError extends Error {
  override readonly name = 'RespError';

  /** The error prefix, e.g. `ERR`, `NOAUTH`, `WRONGTYPE`. */
  get code(): string {
    return this.message.split(' ', 1)[0] ?? '';
  }
}

/** The input did not follow RESP2; the connection it came from cannot be trusted any more. */
export class RespProtocolError extends Error {
  override readonly name = 'RespProtocolError';
}

/**
 * A decoded reply. Simple and bulk strings become `string`, integers `number`, nil bulk strings
 * and nil arrays `null`. Error replies nested in arrays (e.g. in `EXEC` results) stay
 * {@link RespError} values; a top-level error reply is delivered as a rejection instead.
 */
export type RespValue = string | number | null | RespError | RespValue[];

/** Encodes one command as a RESP array of bulk strings. */
export function encodeCommand(args: readonly (string | Buffer)[]): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${args.length}\r\n`)];
  for (const arg of args) {
    const bytes = typeof arg === 'string' ? Buffer.from(arg) : arg;
    parts.push(Buffer.from(`$${bytes.length}\r\n`), bytes, CRLF);
  }
  return Buffer.concat(parts);
}

/**
 * Renders a reply the way `redis-cli` prints it when its output is not a terminal: one line per
 * array element (nested arrays flattened), nil as an empty line, errors as their text.
 */
export function replyToText(value: RespValue): string {
  if (value === null) return '';
  if (Array.isArray(value)) return value.map(replyToText).join('\n');
  if (value instanceof RespError) return value.message;
  return String(value);
}

/** Incremental decoder: feed it socket chunks, get back every reply they complete. */
export class RespParser {
  #buffer: Buffer = Buffer.alloc(0);

  /**
   * Appends `chunk` and returns the replies completed by it, in order.
   * @throws {RespProtocolError} on malformed input.
   */
  push(chunk: Buffer): RespValue[] {
    this.#buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk]);
    const replies: RespValue[] = [];
    let offset = 0;
    for (;;) {
      const parsed = parseValue(this.#buffer, offset);
      if (parsed === undefined) break;
      replies.push(parsed.value);
      offset = parsed.end;
    }
    // An incomplete reply is simply re-parsed from its start when more bytes arrive: replies in
    // tests are small, so this is cheaper to get right than a resumable state machine.
    this.#buffer = this.#buffer.subarray(offset);
    return replies;
  }

  /** Bytes received that do not form a complete reply yet. */
  get buffered(): number {
    return this.#buffer.length;
  }
}

const CRLF = Buffer.from('\r\n');

interface Parsed {
  value: RespValue;
  /** Offset just past the parsed value. */
  end: number;
}

/** Parses one value starting at `offset`; `undefined` when more bytes are needed. */
function parseValue(buf: Buffer, offset: number): Parsed | undefined {
  const type = buf[offset];
  if (type === undefined) return undefined;
  const lineEnd = buf.indexOf(CRLF, offset + 1);
  if (lineEnd === -1) return undefined;
  const line = buf.toString('utf8', offset + 1, lineEnd);
  const afterLine = lineEnd + 2;
  switch (String.fromCharCode(type)) {
    case '+':
      return { value: line, end: afterLine };
    case '-':
      return { value: new RespError(line), end: afterLine };
    case ':':
      return { value: parseInteger(line), end: afterLine };
    case '$': {
      const length = parseInteger(line);
      if (length < 0) return { value: null, end: afterLine };
      const end = afterLine + length + 2;
      if (buf.length < end) return undefined;
      if (buf[end - 2] !== 0x0d || buf[end - 1] !== 0x0a) {
        throw new RespProtocolError(`bulk string of length ${length} is not terminated by CRLF`);
      }
      return { value: buf.toString('utf8', afterLine, afterLine + length), end };
    }
    case '*': {
      const count = parseInteger(line);
      if (count < 0) return { value: null, end: afterLine };
      const items: RespValue[] = [];
      let end = afterLine;
      for (let i = 0; i < count; i++) {
        const item = parseValue(buf, end);
        if (item === undefined) return undefined;
        items.push(item.value);
        end = item.end;
      }
      return { value: items, end };
    }
    default:
      throw new RespProtocolError(`unexpected RESP type byte 0x${type.toString(16)} (${JSON.stringify(line)})`);
  }
}

function parseInteger(text: string): number {
  if (!/^-?\d+$/.test(text)) throw new RespProtocolError(`invalid RESP integer ${JSON.stringify(text)}`);
  return Number(text);
}

/**
 * A RESP2/RESP3 value together with its wire type, for tests that generate
 * replies byte by byte (the product parser's tests). Strings are text; `bytes`
 * is binary-safe content.
 */
export type RespWireValue =
  | { type: 'simple'; text: string }
  | { type: 'error'; text: string }
  | { type: 'blobError'; text: string }
  | { type: 'integer'; value: number }
  | { type: 'bulk'; bytes: Buffer }
  | { type: 'nullBulk' }
  | { type: 'nullArray' }
  | { type: 'null' }
  | { type: 'double'; text: string }
  | { type: 'boolean'; value: boolean }
  | { type: 'bigNumber'; text: string }
  | { type: 'verbatim'; format: string; text: string }
  | { type: 'array' | 'set' | 'push'; items: RespWireValue[] }
  | { type: 'map'; entries: [RespWireValue, RespWireValue][] }
  | { type: 'attribute'; entries: [RespWireValue, RespWireValue][]; value: RespWireValue };

const AGGREGATE_PREFIX = { array: '*', set: '~', push: '>' } as const;

/** Encodes a {@link RespWireValue} exactly as a server would send it. */
export function encodeWire(value: RespWireValue): Buffer {
  const parts: Buffer[] = [];
  encodeWireInto(value, parts);
  return Buffer.concat(parts);
}

function encodeWireInto(value: RespWireValue, parts: Buffer[]): void {
  const line = (text: string): void => {
    parts.push(Buffer.from(`${text}\r\n`));
  };
  const blob = (prefix: string, bytes: Buffer): void => {
    line(`${prefix}${bytes.length}`);
    parts.push(bytes, CRLF);
  };
  switch (value.type) {
    case 'simple':
      line(`+${value.text}`);
      return;
    case 'error':
      line(`-${value.text}`);
      return;
    case 'blobError':
      blob('!', Buffer.from(value.text));
      return;
    case 'integer':
      line(`:${value.value}`);
      return;
    case 'bulk':
      blob('$', value.bytes);
      return;
    case 'nullBulk':
      line('$-1');
      return;
    case 'nullArray':
      line('*-1');
      return;
    case 'null':
      line('_');
      return;
    case 'double':
      line(`,${value.text}`);
      return;
    case 'boolean':
      line(`#${value.value ? 't' : 'f'}`);
      return;
    case 'bigNumber':
      line(`(${value.text}`);
      return;
    case 'verbatim':
      blob('=', Buffer.from(`${value.format}:${value.text}`));
      return;
    case 'array':
    case 'set':
    case 'push':
      line(`${AGGREGATE_PREFIX[value.type]}${value.items.length}`);
      for (const item of value.items) encodeWireInto(item, parts);
      return;
    case 'map':
    case 'attribute':
      line(`${value.type === 'map' ? '%' : '|'}${value.entries.length}`);
      for (const [k, v] of value.entries) {
        encodeWireInto(k, parts);
        encodeWireInto(v, parts);
      }
      if (value.type === 'attribute') encodeWireInto(value.value, parts);
      return;
  }
}

/**
 * What redis-kit's reply parser must give for `value` (its documented mapping,
 * the one ioredis 6 uses by default), in the form {@link normalizeReply}
 * produces: error replies as `{ error: text }`. `buffers`: strings as Buffers.
 */
export function expectedReply(value: RespWireValue, buffers: boolean): unknown {
  const text = (s: string): string | Buffer => (buffers ? Buffer.from(s) : s);
  switch (value.type) {
    case 'simple':
    case 'double':
      return text(value.text);
    case 'error':
    case 'blobError':
      return { error: value.text };
    case 'integer':
      return value.value;
    case 'bulk':
      return buffers ? value.bytes : value.bytes.toString('utf8');
    case 'nullBulk':
    case 'nullArray':
    case 'null':
      return null;
    case 'boolean':
      return value.value ? 1 : 0;
    case 'bigNumber':
      return value.text;
    case 'verbatim':
      return text(value.text);
    case 'array':
    case 'set':
    case 'push':
      return value.items.map((item) => expectedReply(item, buffers));
    case 'map':
      return value.entries.flatMap(([k, v]) => [expectedReply(k, buffers), expectedReply(v, buffers)]);
    case 'attribute':
      return expectedReply(value.value, buffers);
  }
}

/** Makes a parsed reply comparable with `deepStrictEqual`: error values become `{ error: message }`. */
export function normalizeReply(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(normalizeReply);
  if (value instanceof Error) return { error: value.message };
  return value;
}
