import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { type CommandArg, CommandWriter, encodeCommand } from '../../src/engine/resp/encode-command.js';
import { InvalidArgumentError } from '../../src/errors.js';
import { encodeCommand as referenceEncode } from '../helpers/resp-protocol.js';

/** The test helper's straightforward encoder is the reference. */
function reference(name: string, args: readonly CommandArg[]): Buffer {
  return referenceEncode([name, ...args.map((arg) => (typeof arg === 'number' ? String(arg) : arg))]);
}

describe('encodeCommand / CommandWriter', () => {
  it('encodes strings (UTF-8, empty), numbers and Buffers as RESP bulk strings', () => {
    const cases: [string, CommandArg[]][] = [
      ['PING', []],
      ['SET', ['key', 'value']],
      ['SET', ['ключ', 'värde 🎉', '']],
      ['INCRBY', ['n', 42]],
      ['ZADD', ['z', 1.5, 'm', -3, 'n']],
      ['SET', [Buffer.from([0, 13, 10, 255]), Buffer.alloc(0)]],
      ['MSET', Array.from({ length: 30 }, (_, i) => `k${i}`)],
    ];
    for (const [name, args] of cases) assert.deepStrictEqual(encodeCommand(name, args), reference(name, args), `${name} ${args.length}`);
  });

  it('puts every command appended between two take() calls into one Buffer, even past a slab (64 KB)', () => {
    const writer = new CommandWriter();
    const commands: [string, CommandArg[]][] = [];
    for (let i = 0; i < 3000; i++) commands.push(['SET', [`key:${i}`, `value:${i}`]], ['GET', [`key:${i}`]]);
    for (const [name, args] of commands) writer.write(name, args);
    const expected = Buffer.concat(commands.map(([name, args]) => reference(name, args)));
    assert.equal(writer.pendingBytes, expected.length);
    const chunks = writer.take();
    assert.equal(chunks.length, 1, 'one Buffer for the whole batch');
    assert.deepStrictEqual(chunks[0], expected);
    assert.equal(writer.pendingBytes, 0);
    assert.deepStrictEqual(writer.take(), [], 'nothing appended, nothing taken');
  });

  it('passes a large Buffer argument by reference (not copied) between slab pieces', () => {
    const big = Buffer.alloc(100_000, 1);
    const writer = new CommandWriter();
    writer.write('GET', ['before']);
    writer.write('SET', ['blob', big]);
    writer.write('GET', ['after']);
    const chunks = writer.take();
    assert.ok(
      chunks.some((chunk) => chunk === big),
      'the very Buffer given is one of the chunks',
    );
    assert.deepStrictEqual(
      Buffer.concat(chunks),
      Buffer.concat([reference('GET', ['before']), reference('SET', ['blob', big]), reference('GET', ['after'])]),
    );
  });

  it('never writes over bytes already taken (the socket may still hold them), across slabs', () => {
    const writer = new CommandWriter();
    const taken: [Buffer, Buffer][] = [];
    for (let round = 0; round < 50; round++) {
      const args = [`key:${round}`, 'x'.repeat(3000 + round)];
      writer.write('SET', args);
      const chunks = writer.take();
      taken.push([Buffer.concat(chunks), reference('SET', args)]);
      // Keep the exact Buffers handed out, as a socket would.
      taken.push([chunks[0] as Buffer, reference('SET', args)]);
    }
    for (const [got, expected] of taken) assert.deepStrictEqual(got, expected);
  });

  it('handles a command larger than a slab and batches that span slabs', () => {
    const writer = new CommandWriter(1024);
    const huge = 'y'.repeat(10_000);
    const commands: [string, CommandArg[]][] = [
      ['SET', ['a', 'small']],
      ['SET', ['b', huge]],
      ['SET', ['c', 'small']],
    ];
    for (const [name, args] of commands) writer.write(name, args);
    assert.deepStrictEqual(Buffer.concat(writer.take()), Buffer.concat(commands.map(([n, a]) => reference(n, a))));
  });

  it('refuses an argument that is not a string, number or Buffer before writing a byte, without echoing it', () => {
    const writer = new CommandWriter();
    writer.write('GET', ['ok']);
    for (const bad of [undefined, null, { password: 'hunter2' }, true]) {
      const args: unknown[] = ['k', bad];
      assert.throws(
        () => writer.write('SET', args as CommandArg[]),
        (error: unknown) =>
          error instanceof InvalidArgumentError && error.code === 'ERR_REDIS_INVALID_ARGUMENT' && !error.message.includes('hunter2'),
      );
    }
    writer.write('GET', ['still fine']);
    assert.deepStrictEqual(Buffer.concat(writer.take()), Buffer.concat([reference('GET', ['ok']), reference('GET', ['still fine'])]));
  });

  it('matches the reference encoder for random commands and batches', () => {
    const arg = fc.oneof(
      fc.string({ unit: 'grapheme', maxLength: 50 }),
      fc.integer(),
      fc.double({ noNaN: true }),
      fc.uint8Array({ maxLength: 40 }).map((bytes) => Buffer.from(bytes)),
      fc.integer({ min: 16_000, max: 40_000 }).map((n) => Buffer.alloc(n, 9)),
    );
    const command = fc.tuple(fc.stringMatching(/^[A-Z]{1,12}$/), fc.array(arg, { maxLength: 8 }));
    fc.assert(
      fc.property(fc.array(command, { minLength: 1, maxLength: 20 }), fc.integer({ min: 64, max: 70_000 }), (commands, slab) => {
        const writer = new CommandWriter(slab);
        for (const [name, args] of commands) writer.write(name, args);
        const expected = Buffer.concat(commands.map(([name, args]) => reference(name, args)));
        assert.equal(writer.pendingBytes, expected.length);
        assert.deepStrictEqual(Buffer.concat(writer.take()), expected);
      }),
      { numRuns: 300 },
    );
  });
});
