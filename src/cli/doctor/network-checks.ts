/**
 * The checks below Redis: name resolution, TCP, TLS. They run before any
 * client is created, so a wrong host or a closed port is named as such
 * rather than as a connect timeout.
 */

import { lookup } from 'node:dns/promises';
import { isIP, Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import type { HostPort, ResolvedConfig } from '../../config/options.js';
import { formatHostPort } from '../../config/parse-url.js';
import { readTlsFiles } from '../../config/tls-files.js';
import { type CheckResult, describeError, fail, pass } from './check.js';

/** The addresses the configuration dials first: the server, the cluster seeds or the sentinels. */
export function dialTargets(config: ResolvedConfig): readonly HostPort[] {
  if (config.mode === 'cluster') return config.clusterNodes;
  if (config.mode === 'sentinel') return config.sentinels;
  return [{ host: config.host, port: config.port }];
}

export async function checkDns(nodes: readonly HostPort[]): Promise<CheckResult> {
  const found: string[] = [];
  const failed: string[] = [];
  for (const node of nodes) {
    if (isIP(node.host) !== 0) {
      found.push(node.host);
      continue;
    }
    try {
      const { address } = await lookup(node.host);
      found.push(`${node.host} → ${address}`);
    } catch (error) {
      failed.push(`${node.host} (${describeError(error)})`);
    }
  }
  if (failed.length > 0) {
    return fail(
      'dns',
      `cannot resolve ${failed.join(', ')}`,
      'check the host name in REDIS_URL / REDIS_CLUSTER_NODES / REDIS_SENTINELS and the DNS',
    );
  }
  return pass('dns', found.join(', '));
}

function connectOnce(node: HostPort, timeoutMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const socket = new Socket();
    socket.setTimeout(timeoutMs, () => socket.destroy(Object.assign(new Error(`no answer within ${timeoutMs} ms`), { code: 'ETIMEDOUT' })));
    socket.once('error', reject);
    socket.connect(node.port, node.host, () => {
      socket.destroy();
      resolve(performance.now() - started);
    });
  });
}

export async function checkTcp(nodes: readonly HostPort[], timeoutMs: number): Promise<CheckResult> {
  const failed: string[] = [];
  const times: string[] = [];
  for (const node of nodes) {
    try {
      times.push(`${formatHostPort(node.host, node.port)} in ${(await connectOnce(node, timeoutMs)).toFixed(1)} ms`);
    } catch (error) {
      failed.push(`${formatHostPort(node.host, node.port)} (${describeError(error)})`);
    }
  }
  if (failed.length > 0) {
    return fail(
      'tcp',
      `cannot connect to ${failed.join(', ')}`,
      'start Redis there, or point REDIS_URL at where it runs; check firewalls and security groups',
    );
  }
  return pass('tcp', `connected to ${times.join(', ')}`);
}

export async function checkTls(config: ResolvedConfig, nodes: readonly HostPort[], timeoutMs: number): Promise<CheckResult> {
  if (!config.tls) return pass('tls', 'not configured (plain TCP)');
  let files: ReturnType<typeof readTlsFiles>;
  try {
    files = readTlsFiles(config);
  } catch (error) {
    return fail(
      'tls',
      `cannot read the TLS files: ${describeError(error)}`,
      'check REDIS_TLS_CA_FILE, REDIS_TLS_CERT_FILE and REDIS_TLS_KEY_FILE',
    );
  }
  const done: string[] = [];
  for (const node of nodes) {
    try {
      done.push(await handshake(node, files, timeoutMs));
    } catch (error) {
      return fail(
        'tls',
        `TLS handshake with ${formatHostPort(node.host, node.port)} failed: ${describeError(error)}`,
        'check that the server speaks TLS on this port, and REDIS_TLS_CA_FILE for a private CA',
      );
    }
  }
  return pass('tls', done.join(', '));
}

function handshake(node: HostPort, files: ReturnType<typeof readTlsFiles>, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({
      host: node.host,
      port: node.port,
      ...(isIP(node.host) === 0 && { servername: node.host }),
      ...files,
    });
    socket.setTimeout(timeoutMs, () =>
      socket.destroy(Object.assign(new Error(`no handshake within ${timeoutMs} ms`), { code: 'ETIMEDOUT' })),
    );
    socket.once('error', reject);
    socket.once('secureConnect', () => {
      const protocol = socket.getProtocol() ?? 'TLS';
      socket.destroy();
      resolve(`${formatHostPort(node.host, node.port)} ${protocol}`);
    });
  });
}
