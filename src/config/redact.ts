/**
 * Redaction: how configuration is shown to humans (logs, errors, health
 * output, the CLI) without its secrets. Everything that displays configuration
 * goes through here, so there is one place to get it right.
 */

import type { ResolvedConfig } from './options.js';
import { formatHostPort } from './parse-url.js';

export const MASK = '***';

const SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//;
// Query parameters that commonly carry credentials in connection strings.
const SECRET_PARAM = /([?&][^=&#]*(?:pass|secret|token|auth|key)[^=&#]*=)[^&#]*/gi;

/**
 * The URL with its password replaced by `***`; the user name is kept.
 * `redis://app:s3cret@host:6379/0` → `redis://app:***@host:6379/0`.
 *
 * Works on the raw string, not through `new URL`, so that a malformed URL
 * (the very case that gets displayed in an error) is redacted too: the
 * credentials are taken to run up to the last `@`, because an unencoded `@`
 * or `/` in a password is a common reason a URL fails to parse.
 */
export function redactUrl(url: string): string {
  const scheme = SCHEME.exec(url)?.[0] ?? '';
  const rest = url.slice(scheme.length);
  const at = rest.lastIndexOf('@');
  let out = url;
  if (at !== -1) {
    const userinfo = rest.slice(0, at);
    const colon = userinfo.indexOf(':');
    // No colon: only a user name, nothing secret. An empty password has nothing to hide either.
    if (colon !== -1 && colon < userinfo.length - 1) {
      out = `${scheme}${userinfo.slice(0, colon)}:${MASK}${rest.slice(at)}`;
    }
  }
  return out.replace(SECRET_PARAM, `$1${MASK}`);
}

const MAX_SHOWN = 100;

/**
 * A received value as it may appear in a message: `***` for a secret, URLs
 * (anywhere a credential could hide) redacted, blank or padded strings
 * quoted so the whitespace is visible, long ones cut short.
 */
export function formatReceived(value: unknown, secret: boolean, quoteStrings = false): string {
  if (value === undefined) return '(unset)';
  if (secret) return MASK;
  let text: string;
  if (typeof value === 'string') {
    const safe = value.includes('@') || SCHEME.test(value) ? redactUrl(value) : value;
    const needsQuotes = quoteStrings || safe.trim() !== safe || safe === '' || /[\p{Cc}]/u.test(safe);
    text = needsQuotes ? JSON.stringify(safe) : safe;
  } else if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint' || value === null) {
    text = String(value);
  } else {
    text = stringifyStructure(value);
  }
  return text.length > MAX_SHOWN ? `${text.slice(0, MAX_SHOWN)}… (${text.length} characters)` : text;
}

function stringifyStructure(value: unknown): string {
  try {
    // Strings inside (a node's host, say) get the same scrubbing as top-level strings.
    const json = JSON.stringify(value, (_key, v: unknown) => (typeof v === 'string' && v.includes('@') ? redactUrl(v) : v));
    return json ?? typeof value;
  } catch (err) {
    // Circular or BigInt-holding structures cannot be shown as JSON; their type is still useful.
    return `${typeof value} (${err instanceof Error ? err.name : 'unprintable'})`;
  }
}

/**
 * The effective configuration for display: `password` and `sentinelPassword`
 * as `***` when set (absent when not), the URL redacted. Safe to log and to
 * serve from a `config` endpoint.
 */
export function redacted(config: ResolvedConfig): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(config)) {
    if (value === undefined) continue;
    if (key === 'password' || key === 'sentinelPassword') out[key] = MASK;
    else if (key === 'url' && typeof value === 'string') out[key] = redactUrl(value);
    else out[key] = value;
  }
  return out;
}

/**
 * Where the client looks, in a few words and without secrets, for error
 * messages and health output: `127.0.0.1:6379 (standalone)`,
 * `cluster 10.0.0.1:7000,10.0.0.2:7000`, `sentinel mymaster via
 * 10.0.0.1:26379`, `memory (in-process)`. `, tls` is added when TLS is on.
 */
export function describeTarget(config: ResolvedConfig): string {
  const tls = config.tls ? ', tls' : '';
  const list = (nodes: ResolvedConfig['clusterNodes']) => nodes.map((n) => formatHostPort(n.host, n.port)).join(',');
  switch (config.mode) {
    case 'memory':
      return 'memory (in-process)';
    case 'cluster':
      return `cluster ${list(config.clusterNodes)}${config.tls ? ' (tls)' : ''}`;
    case 'sentinel':
      return `sentinel ${config.sentinelMaster ?? '(no master)'} via ${list(config.sentinels)}${config.tls ? ' (tls)' : ''}`;
    case 'standalone':
      return `${formatHostPort(config.host, config.port)} (standalone${tls})`;
  }
}
