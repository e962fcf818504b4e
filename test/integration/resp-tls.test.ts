import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ConnectError } from '../../src/index.js';
import { freePort, type RedisServer, startRedis } from '../helpers/index.js';
import { kitFor, settle } from '../helpers/kit.js';

/** Why the suite cannot run here, or undefined when openssl and a TLS-enabled redis-server are both present. */
function missingTls(): string | undefined {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
  } catch {
    return 'openssl is not installed';
  }
  // Debian/Ubuntu builds link OpenSSL when they support TLS (`redis-server --help` does not say).
  let linked = '';
  try {
    linked = execFileSync('sh', ['-c', 'ldd "$(command -v redis-server)"'], { encoding: 'utf8' });
  } catch {
    return 'redis-server is not on PATH or ldd failed';
  }
  return /libssl/.test(linked) ? undefined : 'this redis-server was built without TLS (no libssl linked)';
}

const skip = missingTls() ?? false;

/** A CA, a server certificate for 127.0.0.1 and a client certificate, all signed by the CA; and a second CA nobody uses. */
function makeCertificates(dir: string): Record<'ca' | 'serverCert' | 'serverKey' | 'clientCert' | 'clientKey' | 'otherCa', string> {
  const path = (name: string): string => join(dir, name);
  const openssl = (...args: string[]): void => {
    execFileSync('openssl', args, { stdio: 'ignore' });
  };
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  for (const ca of ['ca', 'other-ca']) {
    openssl(
      'req',
      '-x509',
      ...ec,
      '-keyout',
      path(`${ca}.key`),
      '-out',
      path(`${ca}.crt`),
      '-days',
      '2',
      '-subj',
      `/CN=redis-kit test ${ca}`,
    );
  }
  writeFileSync(path('server.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  writeFileSync(path('client.ext'), 'extendedKeyUsage=clientAuth\n');
  for (const who of ['server', 'client']) {
    openssl('req', ...ec, '-keyout', path(`${who}.key`), '-out', path(`${who}.csr`), '-subj', `/CN=redis-kit test ${who}`);
    openssl(
      'x509',
      '-req',
      '-in',
      path(`${who}.csr`),
      '-CA',
      path('ca.crt'),
      '-CAkey',
      path('ca.key'),
      '-CAcreateserial',
      '-out',
      path(`${who}.crt`),
      '-days',
      '2',
      '-extfile',
      path(`${who}.ext`),
    );
  }
  return {
    ca: path('ca.crt'),
    serverCert: path('server.crt'),
    serverKey: path('server.key'),
    clientCert: path('client.crt'),
    clientKey: path('client.key'),
    otherCa: path('other-ca.crt'),
  };
}

describe('TLS (self-signed CA, client certificates required)', { skip }, () => {
  let dir: string;
  let files: ReturnType<typeof makeCertificates>;
  let server: RedisServer;
  let tlsUrl: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'redis-kit-tls-'));
    files = makeCertificates(dir);
    const tlsPort = await freePort();
    server = await startRedis({
      args: [
        '--tls-port',
        String(tlsPort),
        '--tls-cert-file',
        files.serverCert,
        '--tls-key-file',
        files.serverKey,
        '--tls-ca-cert-file',
        files.ca,
        '--tls-auth-clients',
        'yes',
      ],
    });
    tlsUrl = `rediss://127.0.0.1:${tlsPort}`;
  });

  after(async () => {
    await server?.stop();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  for (const engine of ['resp', 'ioredis'] as const) {
    it(`${engine}: lanes, a lease, a pipeline and a 1 MB value over TLS`, async () => {
      await using redis = kitFor(
        { url: tlsUrl },
        { engine, tlsCaFile: files.ca, tlsCertFile: files.clientCert, tlsKeyFile: files.clientKey },
      );
      await redis.connect();
      const big = Buffer.alloc(1024 * 1024, 7);
      assert.equal(await redis.set(`${engine}:big`, big), 'OK');
      assert.ok(
        big.equals((await redis.getBuffer(`${engine}:big`)) ?? Buffer.alloc(0)),
        'the value comes back whole, across many TLS records',
      );
      const many = await Promise.all(Array.from({ length: 200 }, (_, i) => redis.incr(`${engine}:n:${i % 3}`)));
      assert.equal(many.length, 200);
      assert.equal(await redis.lease((conn) => conn.get(`${engine}:n:0`)), '67');
      assert.deepEqual(await redis.pipeline().set(`${engine}:p`, 'v').get(`${engine}:p`).exec(), [
        [null, 'OK'],
        [null, 'v'],
      ]);
      // The plain-TCP port of the same server sees the same data: the commands really went over the TLS port.
      assert.equal(await server.command('GET', `${engine}:p`), 'v');
    });
  }

  it('resp: a server certificate from a CA the client does not trust is refused with ConnectError', async () => {
    await using redis = kitFor(
      { url: tlsUrl },
      { engine: 'resp', tlsCaFile: files.otherCa, tlsCertFile: files.clientCert, tlsKeyFile: files.clientKey },
    );
    const connected = await settle(redis.connect());
    assert.ok(!connected.ok && connected.error instanceof ConnectError, String(!connected.ok && connected.error));
    assert.match(connected.error.message, /certificate/i);
  });

  it('resp: without a client certificate the server refuses the connection with ConnectError', async () => {
    await using redis = kitFor({ url: tlsUrl }, { engine: 'resp', tlsCaFile: files.ca });
    const connected = await settle(redis.connect());
    assert.ok(!connected.ok && connected.error instanceof ConnectError, String(!connected.ok && connected.error));
  });
});
