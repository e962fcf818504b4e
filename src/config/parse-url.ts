/**
 * Parsers for the two structured strings in the configuration: the Redis URL
 * and `host:port` lists. They return a reason instead of throwing so that the
 * loader can report every problem at once; reasons never quote the input,
 * because the input may hold a password.
 */

import type { HostPort } from './options.js';

export type Parsed<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly reason: string };

/** What a Redis URL contributes to the configuration. */
export interface ParsedUrl {
  /** `memory://`: no server, every service on its in-process fallback. */
  readonly memory: boolean;
  /** Without IPv6 brackets. `''` for memory. */
  readonly host: string;
  /** 6379 when the URL has none. 0 for memory. */
  readonly port: number;
  /** From the path `/N`; undefined when the path is empty. */
  readonly db: number | undefined;
  readonly username: string | undefined;
  readonly password: string | undefined;
  /** `rediss://`. */
  readonly tls: boolean;
}

export const DEFAULT_PORT = 6379;
export const MAX_DB = 15;

const MEMORY: ParsedUrl = {
  memory: true,
  host: '',
  port: 0,
  db: undefined,
  username: undefined,
  password: undefined,
  tls: false,
};

const fail = (reason: string): { ok: false; reason: string } => ({ ok: false, reason });

export function parseRedisUrl(raw: string): Parsed<ParsedUrl> {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    // URL's own error carries the input (and so the password); give a reason of our own.
    return fail('it is not a valid URL');
  }

  if (url.protocol === 'memory:') return { ok: true, value: MEMORY };
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
    return fail(`the scheme ${url.protocol}// is not supported`);
  }
  // Rejected rather than ignored: options set here would silently not apply.
  if (url.search !== '' || url.hash !== '') {
    return fail('query strings and fragments are not supported; use the REDIS_* variables');
  }

  // WHATWG URL keeps the brackets of an IPv6 host; sockets want the bare address.
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  if (host === '') return fail('a host is required');

  const port = url.port === '' ? DEFAULT_PORT : Number(url.port);
  if (port < 1) return fail('the port must be 1 to 65535');

  let db: number | undefined;
  if (url.pathname !== '' && url.pathname !== '/') {
    const match = /^\/(\d{1,3})$/.exec(url.pathname);
    db = match?.[1] === undefined ? Number.NaN : Number(match[1]);
    if (!(db >= 0 && db <= MAX_DB)) return fail(`the path must be a database number /0 to /${MAX_DB}`);
  }

  let username: string;
  let password: string;
  try {
    username = decodeURIComponent(url.username);
    password = decodeURIComponent(url.password);
  } catch {
    // decodeURIComponent throws URIError on a stray '%'; its message is generic, ours says where.
    return fail('the user name or password is not valid percent-encoding (write % as %25)');
  }

  return {
    ok: true,
    value: {
      memory: false,
      host,
      port,
      db,
      username: username === '' ? undefined : username,
      password: password === '' ? undefined : password,
      tls: url.protocol === 'rediss:',
    },
  };
}

const BRACKETED = /^\[([0-9A-Fa-f:.]+)\]:(\d{1,5})$/;
const PLAIN = /^([^\s:[\]/@]+):(\d{1,5})$/;

/** `host:port,host:port` (IPv6 as `[::1]:7000`). Whitespace around entries is ignored. */
export function parseHostList(raw: string): Parsed<HostPort[]> {
  const nodes: HostPort[] = [];
  const entries = raw.split(',');
  for (const [index, entry] of entries.entries()) {
    const text = entry.trim();
    const position = entries.length === 1 ? 'the entry' : `entry ${index + 1}`;
    // An empty entry is usually an unset variable spliced into the list; say so instead of skipping it.
    if (text === '') return fail(`${position} is empty`);
    const match = BRACKETED.exec(text) ?? PLAIN.exec(text);
    if (match?.[1] === undefined || match[2] === undefined) return fail(`${position} is not host:port`);
    const port = Number(match[2]);
    if (port < 1 || port > 65535) return fail(`${position} has a port outside 1 to 65535`);
    nodes.push({ host: match[1], port });
  }
  return { ok: true, value: nodes };
}

/** `host:port`, bracketing IPv6 addresses so the port stays unambiguous. */
export function formatHostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
