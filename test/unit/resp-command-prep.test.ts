import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { prepareCommand } from '../../src/engine/resp-command-prep.js';

describe('prepareCommand', () => {
  it('a key prefix goes on the keys of a copy: the caller array (kept by a lane for a resend) is left as it was', () => {
    const args = ['k1', 'v1', 'k2', 'v2'];
    const prepared = prepareCommand('MSET', args, false, 'app:');
    assert.deepEqual(prepared.args, ['app:k1', 'v1', 'app:k2', 'v2']);
    assert.deepEqual(args, ['k1', 'v1', 'k2', 'v2'], 'the caller array is unchanged');
    // Sent again (a resend prepares the same caller array once more): prefixed once, not twice.
    assert.deepEqual(prepareCommand('MSET', args, false, 'app:').args, ['app:k1', 'v1', 'app:k2', 'v2']);
    const key = Buffer.from('bk');
    assert.deepEqual(prepareCommand('get', [key], false, 'app:').args, [Buffer.from('app:bk')]);
  });

  it('without a prefix, plain arguments are sent as given; anything else is flattened and turned into text', () => {
    const args = ['k', Buffer.from('b')];
    assert.equal(prepareCommand('get', args, false, '').args, args);
    assert.deepEqual(prepareCommand('hset', ['h', { a: 1, b: null }], false, '').args, ['h', 'a', '1', 'b', '']);
    assert.deepEqual(prepareCommand('mset', [new Map([['k', 2 ** 60]])], false, '').args, ['k', '1152921504606846976']);
    assert.deepEqual(prepareCommand('del', ['a', ['b', 'c']], false, '').args, ['a', 'b', 'c']);
  });

  it('a Buffer suffix means the same command with Buffer replies', () => {
    const prepared = prepareCommand('getBuffer', ['k'], false, '');
    assert.equal(prepared.name, 'get');
    assert.equal(prepared.buffers, true);
  });
});
