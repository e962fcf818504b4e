/**
 * Reading the TLS files named in the configuration. Kept apart from
 * `loadConfig` so that loading configuration never touches the disk (the CLI's
 * `config` command and tests load it freely); connections call this once, at
 * connect time.
 */

import { readFileSync } from 'node:fs';
import { ConfigError, type ConfigIssue } from '../errors.js';
import { FIELDS } from './fields.js';
import type { ResolvedConfig } from './options.js';
import { formatReceived } from './redact.js';

/** PEM contents, ready for `tls.connect` (`ca`, `cert`, `key`). */
export interface TlsFiles {
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
}

const FILES = [
  ['ca', 'tlsCaFile'],
  ['cert', 'tlsCertFile'],
  ['key', 'tlsKeyFile'],
] as const;

/**
 * Reads `tlsCaFile`, `tlsCertFile` and `tlsKeyFile`, those that are set.
 * Throws one {@link ConfigError} listing every file that could not be read,
 * each named by its environment variable (`REDIS_TLS_CA_FILE=/etc/ca.pem:
 * expected a readable file (ENOENT)`). Synchronous: it runs once per client,
 * before the first socket, and the files are small.
 */
export function readTlsFiles(config: Pick<ResolvedConfig, 'tlsCaFile' | 'tlsCertFile' | 'tlsKeyFile'>): TlsFiles {
  const out: TlsFiles = {};
  const issues: ConfigIssue[] = [];
  for (const [slot, option] of FILES) {
    const path = config[option];
    if (path === undefined) continue;
    const name = FIELDS[option].env;
    const received = formatReceived(path, false);
    try {
      const contents = readFileSync(path);
      // An empty file makes TLS fail later with an opaque handshake error; say which file now.
      if (contents.length === 0) issues.push({ name, received, expected: 'a non-empty PEM file' });
      else out[slot] = contents;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? (err instanceof Error ? err.message : String(err));
      issues.push({ name, received, expected: `a readable file (${code})` });
    }
  }
  if (issues.length > 0) throw new ConfigError(issues);
  return out;
}
