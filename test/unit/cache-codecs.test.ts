import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { jsonCodec } from '../../src/cache/codecs/json-codec.js';
import { msgpackCodec } from '../../src/cache/codecs/msgpack-codec.js';

describe('cache: codecs', () => {
  it('json: round-trips JSON values, refuses what JSON cannot hold', () => {
    const value = { name: 'Ada', tags: ['x'], nested: { n: 1.5, t: true, z: null } };
    assert.deepEqual(jsonCodec.decode(jsonCodec.encode(value)), value);
    assert.deepEqual(jsonCodec.decode(Buffer.from(jsonCodec.encode(value))), value, 'reads Buffers too');
    assert.throws(() => jsonCodec.encode({ id: 1n }), TypeError);
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    assert.throws(() => jsonCodec.encode(cycle), TypeError);
    assert.throws(() => jsonCodec.encode(undefined), TypeError);
    assert.throws(() => jsonCodec.decode('not json'), SyntaxError);
  });

  it('msgpack: round-trips Dates, Buffers and BigInts; its output is not a reused buffer', () => {
    const codec = msgpackCodec();
    assert.equal(codec.name, 'msgpack');
    assert.equal(codec.binary, true);
    const value = { at: new Date(1_700_000_000_000), raw: Buffer.from([1, 2, 3]), big: 2n ** 60n, s: 'é', list: [1, 'two'] };
    const first = codec.encode(value);
    const copy = Buffer.from(first);
    codec.encode({ something: 'else entirely, to overwrite a shared buffer' });
    assert.deepEqual(first, copy, 'an earlier result is unchanged by a later encode');
    assert.deepEqual(codec.decode(first), value);
    assert.deepEqual(codec.decode(codec.encode({ ids: new Set([1, 2]) })), { ids: [1, 2] }, 'a Set is an array by default');
    const extended = msgpackCodec({ packrOptions: { moreTypes: true } });
    assert.deepEqual(extended.decode(extended.encode({ ids: new Set([1, 2]) })), { ids: new Set([1, 2]) }, 'packrOptions reach msgpackr');
    assert.throws(() => codec.encode({ huge: 2n ** 70n }), RangeError);
  });

  it('msgpack: without msgpackr installed, msgpackCodec() throws CodecUnavailableError (and importing does not)', () => {
    // Copy the compiled codec and the modules it imports to a directory with
    // no node_modules above it, where msgpackr really cannot be found.
    const here = dirname(fileURLToPath(import.meta.url));
    const buildSrc = join(here, '..', '..', 'src');
    const dir = mkdtempSync(join(tmpdir(), 'redis-kit-no-msgpackr-'));
    try {
      for (const file of ['errors.js', 'errors', 'cache/errors.js', 'cache/codecs/msgpack-codec.js', 'cache/codecs/codec.js']) {
        cpSync(join(buildSrc, file), join(dir, 'src', file), { recursive: true });
      }
      const script = `
        const { msgpackCodec } = await import(${JSON.stringify(join(dir, 'src', 'cache', 'codecs', 'msgpack-codec.js'))});
        try { msgpackCodec(); console.log('no error'); }
        catch (error) { console.log(JSON.stringify({ name: error.name, code: error.code, message: error.message, cause: error.cause?.code })); }`;
      const output = execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: dir, encoding: 'utf8' });
      const result = JSON.parse(output) as { name: string; code: string; message: string; cause: string };
      assert.equal(result.name, 'CodecUnavailableError');
      assert.equal(result.code, 'ERR_REDIS_CACHE_CODEC');
      assert.match(result.message, /npm install msgpackr/);
      assert.equal(result.cause, 'MODULE_NOT_FOUND');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
