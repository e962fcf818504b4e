import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ReplyParser, type ReplySink } from '../../src/engine/resp/reply-parser.js';
import { RespErrorReply, RespProtocolError } from '../../src/engine/resp/resp-errors.js';
import { encodeWire, expectedReply, normalizeReply, type RespWireValue } from '../helpers/resp-protocol.js';

type Kind = 'reply' | 'error' | 'push';

/**
 * Records what the parser delivers. Like the connection, it answers
 * wantsBuffers() from the "head of its queue": the flag of the next non-push
 * reply (`flags[n]`, else `buffers`).
 */
class Collector implements ReplySink {
  readonly events: [Kind, unknown][] = [];
  buffers = false;
  flags: boolean[] = [];
  #answered = 0;

  wantsBuffers(): boolean {
    return this.flags[this.#answered] ?? this.buffers;
  }
  onReply(value: unknown): void {
    this.#answered++;
    this.events.push(['reply', value]);
  }
  onError(error: RespErrorReply): void {
    assert.ok(error instanceof RespErrorReply);
    this.#answered++;
    this.events.push(['error', error]);
  }
  onPush(frame: unknown[]): void {
    this.events.push(['push', frame]);
  }
  /** The value of the n-th delivery (it must exist). */
  value(n: number): unknown {
    const event = this.events[n];
    assert.ok(event !== undefined, `delivery ${n} exists`);
    return event[1];
  }
  normalized(): [Kind, unknown][] {
    return this.events.map(([kind, value]) => [kind, normalizeReply(value)]);
  }
}

/** Feeds `chunks` in order to a fresh parser and returns what it delivered. */
function parse(chunks: Buffer[], setup?: (c: Collector) => void): Collector {
  const collector = new Collector();
  setup?.(collector);
  const parser = new ReplyParser(collector);
  for (const chunk of chunks) parser.feed(chunk);
  assert.ok(parser.idle, 'the parser ends at a reply boundary');
  return collector;
}

const b = (text: string): Buffer => Buffer.from(text);
const bulk = (text: string): RespWireValue => ({ type: 'bulk', bytes: b(text) });

/** One sample of every wire type, the aggregates nested. */
const SAMPLES: RespWireValue[] = [
  { type: 'simple', text: 'OK' },
  { type: 'simple', text: '' },
  { type: 'error', text: 'WRONGTYPE Operation against a key holding the wrong kind of value' },
  { type: 'blobError', text: 'SYNTAX invalid\r\nsyntax' },
  { type: 'integer', value: 0 },
  { type: 'integer', value: -42 },
  { type: 'integer', value: -2 },
  { type: 'integer', value: -1 },
  { type: 'integer', value: 9_007_199_254_740_991 },
  bulk('hello'),
  bulk(''),
  bulk('línea\r\ncon CRLF y ü'),
  { type: 'bulk', bytes: Buffer.from([0, 255, 13, 10, 128]) },
  { type: 'nullBulk' },
  { type: 'nullArray' },
  { type: 'null' },
  { type: 'double', text: '3.14' },
  { type: 'double', text: '-inf' },
  { type: 'boolean', value: true },
  { type: 'boolean', value: false },
  { type: 'bigNumber', text: '3492890328409238509324850943850943825024385' },
  { type: 'verbatim', format: 'txt', text: 'Some string' },
  { type: 'verbatim', format: 'mkd', text: '' },
  { type: 'array', items: [] },
  { type: 'array', items: [bulk('a'), { type: 'integer', value: 1 }, { type: 'nullBulk' }] },
  { type: 'set', items: [bulk('x'), bulk('y')] },
  { type: 'map', entries: [] },
  {
    type: 'map',
    entries: [
      [bulk('server'), bulk('redis')],
      [
        { type: 'simple', text: 'proto' },
        { type: 'integer', value: 3 },
      ],
      [bulk('modules'), { type: 'array', items: [] }],
    ],
  },
  {
    type: 'array',
    items: [
      { type: 'simple', text: 'OK' },
      { type: 'error', text: 'ERR inside an EXEC' },
      { type: 'array', items: [{ type: 'map', entries: [[bulk('k'), { type: 'set', items: [{ type: 'null' }] }]] }] },
      { type: 'array', items: [] },
      { type: 'blobError', text: 'ERR blob inside' },
    ],
  },
  { type: 'attribute', entries: [[bulk('ttl'), { type: 'integer', value: 3600 }]], value: bulk('annotated') },
  {
    type: 'array',
    items: [
      { type: 'attribute', entries: [[bulk('key-popularity'), { type: 'double', text: '0.19' }]], value: { type: 'integer', value: 2039 } },
      bulk('after'),
    ],
  },
  { type: 'push', items: [bulk('invalidate'), { type: 'array', items: [bulk('user:1'), bulk('user:2')] }] },
  { type: 'push', items: [bulk('message'), bulk('news'), bulk('payload')] },
];

function kindOf(value: RespWireValue): Kind {
  if (value.type === 'push') return 'push';
  return value.type === 'error' || value.type === 'blobError' ? 'error' : 'reply';
}

/** What the samples must produce, in order (pushes always with Buffers). */
function expectedEvents(values: RespWireValue[], buffers: boolean): [Kind, unknown][] {
  return values.map((value) => [kindOf(value), expectedReply(value, kindOf(value) === 'push' || buffers)]);
}

const STREAM = Buffer.concat(SAMPLES.map(encodeWire));

describe('ReplyParser: every reply type', () => {
  for (const buffers of [false, true]) {
    it(`maps each type as documented (${buffers ? 'Buffers' : 'strings'})`, () => {
      for (const sample of SAMPLES) {
        const got = parse([encodeWire(sample)], (c) => {
          c.buffers = buffers;
        });
        assert.deepStrictEqual(got.normalized(), expectedEvents([sample], buffers), JSON.stringify(sample));
      }
    });
  }

  it('spells out the mapping of the RESP3-only types', () => {
    const got = parse([
      b('%2\r\n+a\r\n:1\r\n$1\r\nb\r\n,1.5\r\n'),
      b('#t\r\n#f\r\n_\r\n(12345678901234567890\r\n=10\r\ntxt:héllo\r\n~2\r\n:1\r\n:1\r\n'),
    ]);
    assert.deepStrictEqual(got.normalized(), [
      ['reply', ['a', 1, 'b', '1.5']],
      ['reply', 1],
      ['reply', 0],
      ['reply', null],
      ['reply', '12345678901234567890'],
      ['reply', 'héllo'],
      ['reply', [1, 1]],
    ]);
  });

  it('keeps errors inside arrays as values, in place, and delivers a top-level error as onError', () => {
    const got = parse([b('*3\r\n+OK\r\n-ERR no such key\r\n:7\r\n-NOSCRIPT No matching script\r\n')]);
    const [first, second] = got.events;
    assert.equal(first?.[0], 'reply');
    const items = first?.[1] as unknown[];
    assert.equal(items[0], 'OK');
    assert.ok(items[1] instanceof RespErrorReply);
    assert.equal((items[1] as RespErrorReply).message, 'ERR no such key');
    assert.equal((items[1] as RespErrorReply).name, 'ReplyError', 'classifyError recognises it');
    assert.equal(items[2], 7);
    assert.equal(second?.[0], 'error');
    assert.equal((got.value(1) as RespErrorReply).prefix, 'NOSCRIPT');
  });

  it('decodes integers beyond 15 digits exactly as Number() would', () => {
    const got = parse([b(':-9007199254740991\r\n:123456789012345678\r\n')]);
    assert.deepStrictEqual(got.normalized(), [
      ['reply', -9007199254740991],
      ['reply', Number('123456789012345678')],
    ]);
  });

  it('asks for Buffers once per reply, from the head of the queue: strings and Buffers mix in one chunk', () => {
    const got = parse([b('$1\r\na\r\n>2\r\n$3\r\ninv\r\n*0\r\n*1\r\n$1\r\nb\r\n+c\r\n')], (c) => {
      c.flags = [false, true, false];
    });
    assert.deepStrictEqual(got.normalized(), [
      ['reply', 'a'],
      ['push', [b('inv'), []]],
      ['reply', [b('b')]],
      ['reply', 'c'],
    ]);
  });
});

describe('ReplyParser: replies split across chunks', () => {
  for (const buffers of [false, true]) {
    it(`every split point of a stream of every type gives the same replies (${buffers ? 'Buffers' : 'strings'})`, () => {
      const expected = expectedEvents(SAMPLES, buffers);
      for (let split = 1; split < STREAM.length; split++) {
        const got = parse([STREAM.subarray(0, split), STREAM.subarray(split)], (c) => {
          c.buffers = buffers;
        });
        assert.deepStrictEqual(got.normalized(), expected, `split at byte ${split}`);
      }
    });
  }

  it('one byte per chunk gives the same replies', () => {
    const chunks: Buffer[] = [];
    for (let i = 0; i < STREAM.length; i++) chunks.push(STREAM.subarray(i, i + 1));
    assert.deepStrictEqual(parse(chunks).normalized(), expectedEvents(SAMPLES, false));
  });

  it('every pair of split points of each sample (three chunks) gives the same reply', () => {
    for (const sample of SAMPLES) {
      const bytes = encodeWire(sample);
      const expected = expectedEvents([sample], false);
      for (let i = 1; i < bytes.length; i++) {
        for (let j = i; j < bytes.length; j++) {
          const got = parse([bytes.subarray(0, i), bytes.subarray(i, j), bytes.subarray(j)]);
          assert.deepStrictEqual(got.normalized(), expected, `${JSON.stringify(sample)} split at ${i}, ${j}`);
        }
      }
    }
  });

  it('assembles a 1 MB bulk fed in 1,000 pieces with one allocation of its size (copied once)', () => {
    const value = Buffer.alloc(1024 * 1024);
    for (let i = 0; i < value.length; i++) value[i] = (i * 31) & 0xff;
    const wire = encodeWire({ type: 'array', items: [{ type: 'bulk', bytes: value }, bulk('tail')] });
    const chunks: Buffer[] = [];
    const step = Math.ceil(wire.length / 1000);
    for (let at = 0; at < wire.length; at += step) chunks.push(Buffer.from(wire.subarray(at, at + step)));
    const asBuffers = parse(chunks, (c) => {
      c.buffers = true;
    });
    const [big, tail] = asBuffers.value(0) as Buffer[];
    assert.ok(big !== undefined, 'a value');
    assert.ok(big.equals(value), 'the bytes are intact');
    assert.equal(big.buffer.byteLength, value.length + 2, 'the reply is the one Buffer it was assembled in (plus its CRLF)');
    assert.deepStrictEqual(tail, b('tail'));
    const asString = parse(chunks);
    assert.equal((asString.value(0) as string[])[0], value.toString('utf8'));
  });

  it('decodes large strings right whether pure ASCII (decoded as ASCII) or not (UTF-8), in one chunk or many', () => {
    const ascii = `{"json":"${'a1'.repeat(5000)}"}`;
    const unicode = `${'ü€'.repeat(3000)}😀`;
    const wire = Buffer.concat([
      encodeWire(bulk(ascii)),
      encodeWire(bulk(unicode)),
      encodeWire({ type: 'verbatim', format: 'txt', text: ascii }),
    ]);
    const expected = [
      ['reply', ascii],
      ['reply', unicode],
      ['reply', ascii],
    ];
    assert.deepStrictEqual(parse([wire]).normalized(), expected);
    const pieces: Buffer[] = [];
    for (let at = 0; at < wire.length; at += 777) pieces.push(wire.subarray(at, at + 777));
    assert.deepStrictEqual(parse(pieces).normalized(), expected);
  });

  it('hands a large bulk that arrived in one chunk over as a view (no copy), and copies small ones out', () => {
    const value = Buffer.alloc(200_000, 7);
    const chunk = Buffer.concat([b('$1\r\nx\r\n'), encodeWire({ type: 'bulk', bytes: value })]);
    const got = parse([chunk], (c) => {
      c.buffers = true;
    });
    const [small, large] = got.events.map((event) => event[1] as Buffer);
    assert.ok(large !== undefined, 'a value');
    assert.ok(large.equals(value));
    assert.equal(large.buffer, chunk.buffer, 'the large value is a view of the socket chunk');
    assert.ok(small !== undefined && small.buffer !== chunk.buffer, 'the small value does not pin the chunk');
  });
});

describe('ReplyParser: protocol errors and reset', () => {
  const garbage: [string, string][] = [
    ['an unknown type byte', 'HTTP/1.1 400 Bad Request\r\n'],
    ['letters in a length', '$1x\r\nab\r\n'],
    ['a bulk not followed by CRLF', '$2\r\nabcd\r\n'],
    ['a bad boolean', '#x\r\n'],
    ['a negative map length', '%-1\r\n'],
    ['a line ended by LF alone', '+OK\n'],
  ];
  for (const [what, bytes] of garbage) {
    it(`throws a typed RespProtocolError on ${what}`, () => {
      const parser = new ReplyParser(new Collector());
      assert.throws(
        () => parser.feed(b(bytes)),
        (error: unknown) => error instanceof RespProtocolError && error.code === 'ERR_REDIS_ENGINE' && error.offset >= 0,
      );
    });
  }

  it('stops delivering the rest of a chunk when a sink resets it (the connection was destroyed)', () => {
    const delivered: unknown[] = [];
    const parser: ReplyParser = new ReplyParser({
      wantsBuffers: () => false,
      onReply: (value) => {
        delivered.push(value);
        parser.reset();
      },
      onError: () => assert.fail('no error expected'),
      onPush: () => assert.fail('no push expected'),
    });
    parser.feed(b('+first\r\n+second\r\n$5\r\nthi'));
    assert.deepStrictEqual(delivered, ['first']);
    assert.ok(parser.idle);
    parser.feed(b('+after\r\n'));
    assert.deepStrictEqual(delivered, ['first', 'after']);
  });
});
