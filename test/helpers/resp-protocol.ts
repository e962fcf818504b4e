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
