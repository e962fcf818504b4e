import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConnectionLostError, NoPermissionError } from '../../src/index.js';
import { waitUntilLoaded } from '../../src/engine/resp/ready-check.js';

/**
 * The own engine's ready check: a server still loading its dataset answers
 * `LOADING` to most commands; the handshake waits for `loading:0`. A loading
 * server is hard to hold still in a test (the integration suite meets it after
 * an AOF restart), so INFO's replies are scripted here.
 */
describe('resp ready check: waits while the server loads its dataset', () => {
  it('asks INFO persistence again until loading:0', async () => {
    const replies = [
      '# Persistence\r\nloading:1\r\nloading_eta_seconds:0\r\n',
      '# Persistence\r\nloading:1\r\n',
      '# Persistence\r\nloading:0\r\n',
    ];
    const asked: string[] = [];
    await waitUntilLoaded(async (name, args) => {
      asked.push(`${name} ${args.join(' ')}`);
      return replies.shift();
    });
    assert.deepEqual(asked, ['INFO persistence', 'INFO persistence', 'INFO persistence']);
  });

  it('a user whose ACL refuses INFO is taken as ready; a lost connection is not', async () => {
    await waitUntilLoaded(async () => {
      throw new NoPermissionError('NOPERM this user has no permissions to run the info command', 'NOPERM', 'info');
    });
    await assert.rejects(
      waitUntilLoaded(async () => {
        throw new ConnectionLostError('the connection to 127.0.0.1:1 was lost');
      }),
      ConnectionLostError,
    );
  });
});
