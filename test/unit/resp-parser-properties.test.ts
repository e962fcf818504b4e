import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { ReplyParser, type ReplySink } from '../../src/engine/resp/reply-parser.js';
import type { RespErrorReply } from '../../src/engine/resp/resp-errors.js';
import { encodeWire, expectedReply, normalizeReply, type RespWireValue } from '../helpers/resp-protocol.js';

/** Text of a simple string or error: anything but CR and LF. */
const lineText = fc.string({ unit: 'grapheme', maxLength: 20 }).map((s) => s.replace(/[\r\n]/g, ' '));
const anyText = fc.string({ unit: 'grapheme', maxLength: 30 });

const doubleText = fc.oneof(
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((d) => String(d)),
  fc.constantFrom('inf', '-inf', 'nan', '0', '-0', '1e+300'),
);

const leaf: fc.Arbitrary<RespWireValue> = fc.oneof(
  lineText.map((text): RespWireValue => ({ type: 'simple', text })),
  lineText.map((text): RespWireValue => ({ type: 'error', text: `ERR ${text}` })),
  anyText.map((text): RespWireValue => ({ type: 'blobError', text: `ERR ${text}` })),
  fc.oneof(fc.integer(), fc.maxSafeInteger()).map((value): RespWireValue => ({ type: 'integer', value })),
  fc.uint8Array({ maxLength: 64 }).map((bytes): RespWireValue => ({ type: 'bulk', bytes: Buffer.from(bytes) })),
  anyText.map((text): RespWireValue => ({ type: 'bulk', bytes: Buffer.from(text) })),
  fc.constantFrom<RespWireValue>({ type: 'nullBulk' }, { type: 'nullArray' }, { type: 'null' }),
  doubleText.map((text): RespWireValue => ({ type: 'double', text })),
  fc.boolean().map((value): RespWireValue => ({ type: 'boolean', value })),
  fc.bigInt().map((n): RespWireValue => ({ type: 'bigNumber', text: n.toString() })),
  fc.tuple(fc.constantFrom('txt', 'mkd'), anyText).map(([format, text]): RespWireValue => ({ type: 'verbatim', format, text })),
);

const { value: nested } = fc.letrec<{ value: RespWireValue }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    fc
      .tuple(fc.constantFrom('array', 'set') as fc.Arbitrary<'array' | 'set'>, fc.array(tie('value'), { maxLength: 5 }))
      .map(([type, items]): RespWireValue => ({ type, items })),
    fc.array(fc.tuple(tie('value'), tie('value')), { maxLength: 4 }).map((entries): RespWireValue => ({ type: 'map', entries })),
    fc
      .tuple(fc.array(fc.tuple(tie('value'), tie('value')), { minLength: 1, maxLength: 2 }), tie('value'))
      .map(([entries, value]): RespWireValue => ({ type: 'attribute', entries, value })),
  ),
}));

/** A top-level reply: any value, or a push frame (an array of values). */
const topLevel: fc.Arbitrary<RespWireValue> = fc.oneof(
  { weight: 5, arbitrary: nested },
  { weight: 1, arbitrary: fc.array(nested, { minLength: 1, maxLength: 4 }).map((items): RespWireValue => ({ type: 'push', items })) },
);

/** Cuts `bytes` at the given (sorted, deduplicated) offsets. */
function cut(bytes: Buffer, offsets: number[]): Buffer[] {
  const points = [...new Set(offsets.map((o) => o % (bytes.length + 1)))].sort((a, b) => a - b);
  const chunks: Buffer[] = [];
  let at = 0;
  for (const point of points) {
    chunks.push(bytes.subarray(at, point));
    at = point;
  }
  chunks.push(bytes.subarray(at));
  return chunks.filter((chunk) => chunk.length > 0);
}

/** A top-level value whose top-level wire type is an error. */
function isError(value: RespWireValue): boolean {
  if (value.type === 'attribute') return isError(value.value);
  return value.type === 'error' || value.type === 'blobError';
}

function roundTrip(values: RespWireValue[], flags: boolean[], offsets: number[]): void {
  const events: unknown[] = [];
  let answered = 0;
  const sink: ReplySink = {
    wantsBuffers: () => flags[answered % flags.length] ?? false,
    onReply: (value) => {
      answered++;
      events.push(['reply', normalizeReply(value)]);
    },
    onError: (error: RespErrorReply) => {
      answered++;
      events.push(['error', normalizeReply(error)]);
    },
    onPush: (frame) => events.push(['push', normalizeReply(frame)]),
  };
  const parser = new ReplyParser(sink);
  for (const chunk of cut(Buffer.concat(values.map(encodeWire)), offsets)) parser.feed(chunk);

  const expected: unknown[] = [];
  let replies = 0;
  for (const value of values) {
    if (value.type === 'push') expected.push(['push', expectedReply(value, true)]);
    else {
      const buffers = flags[replies++ % flags.length] ?? false;
      expected.push([isError(value) ? 'error' : 'reply', expectedReply(value, buffers)]);
    }
  }
  assert.deepStrictEqual(events, expected);
  assert.ok(parser.idle);
}

describe('ReplyParser properties', () => {
  it('decodes random RESP values, cut at random points, back to what was encoded', () => {
    fc.assert(
      fc.property(
        fc.array(topLevel, { minLength: 1, maxLength: 8 }),
        fc.array(fc.boolean(), { minLength: 1, maxLength: 8 }),
        fc.array(fc.nat(), { maxLength: 12 }),
        (values, flags, offsets) => roundTrip(values, flags, offsets),
      ),
      { numRuns: 2000 },
    );
  });

  it('decodes random RESP values fed one byte at a time', () => {
    fc.assert(
      fc.property(fc.array(topLevel, { minLength: 1, maxLength: 4 }), fc.boolean(), (values, buffers) => {
        const length = Buffer.concat(values.map(encodeWire)).length;
        roundTrip(
          values,
          [buffers],
          Array.from({ length }, (_, i) => i),
        );
      }),
      { numRuns: 300 },
    );
  });
});
