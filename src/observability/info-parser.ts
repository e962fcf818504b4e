/**
 * INFO text → sections of fields, and the few facts the health report reads
 * from them. Unknown sections and fields are kept as strings (servers add
 * fields in every release); a line that is not `name:value` is skipped.
 */

/** Every section of an INFO reply, by lower-case name (`server`, `memory`, `keyspace` …), each a map of its fields. */
export type InfoSections = Record<string, Record<string, string>>;

/** Parses the text of `INFO` (any sections). Never throws: odd lines are skipped. */
export function parseInfo(text: string): InfoSections {
  const sections: InfoSections = {};
  let current: Record<string, string> = {};
  sections.default = current;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '') continue;
    if (line.startsWith('#')) {
      const name = line.slice(1).trim().toLowerCase();
      current = sections[name] ?? {};
      sections[name] = current;
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    current[line.slice(0, colon)] = line.slice(colon + 1);
  }
  if (Object.keys(sections.default ?? {}).length === 0) delete sections.default;
  return sections;
}

/** One `dbN:keys=…,expires=…,avg_ttl=…` line of the Keyspace section. */
export interface KeyspaceEntry {
  keys: number;
  expires: number;
}

/** The server facts the health report shows. A field the server did not report is absent. */
export interface ServerFacts {
  version?: string;
  /** `standalone`, `cluster` or `sentinel`. */
  mode?: string;
  /** `master` or `slave` (a replica). */
  role?: string;
  usedMemoryBytes?: number;
  /** 0 = no limit. */
  maxmemoryBytes?: number;
  maxmemoryPolicy?: string;
  connectedClients?: number;
  /** INFO has it from Redis 7; older servers need CONFIG GET maxclients. */
  maxclients?: number;
  keyspaceHits?: number;
  keyspaceMisses?: number;
  /** hits / (hits + misses); absent before the first lookup. */
  hitRatio?: number;
  evictedKeys?: number;
  uptimeSeconds?: number;
  persistence?: {
    loading?: boolean;
    rdbLastBgsaveStatus?: string;
    rdbChangesSinceLastSave?: number;
    aofEnabled?: boolean;
    aofLastWriteStatus?: string;
  };
  keyspace: Record<string, KeyspaceEntry>;
}

/** Extracts {@link ServerFacts} from parsed INFO sections. */
export function serverFacts(sections: InfoSections): ServerFacts {
  const field = (section: string, name: string): string | undefined => sections[section]?.[name];
  const num = (section: string, name: string): number | undefined => toNumber(field(section, name));
  const facts: ServerFacts = { keyspace: parseKeyspace(sections.keyspace ?? {}) };
  assign(facts, 'version', field('server', 'redis_version'));
  assign(facts, 'mode', field('server', 'redis_mode'));
  assign(facts, 'role', field('replication', 'role'));
  assign(facts, 'usedMemoryBytes', num('memory', 'used_memory'));
  assign(facts, 'maxmemoryBytes', num('memory', 'maxmemory'));
  assign(facts, 'maxmemoryPolicy', field('memory', 'maxmemory_policy'));
  assign(facts, 'connectedClients', num('clients', 'connected_clients'));
  assign(facts, 'maxclients', num('clients', 'maxclients'));
  assign(facts, 'keyspaceHits', num('stats', 'keyspace_hits'));
  assign(facts, 'keyspaceMisses', num('stats', 'keyspace_misses'));
  assign(facts, 'evictedKeys', num('stats', 'evicted_keys'));
  assign(facts, 'uptimeSeconds', num('server', 'uptime_in_seconds'));
  const lookups = (facts.keyspaceHits ?? 0) + (facts.keyspaceMisses ?? 0);
  if (facts.keyspaceHits !== undefined && lookups > 0) facts.hitRatio = facts.keyspaceHits / lookups;
  if (sections.persistence !== undefined) {
    const persistence: NonNullable<ServerFacts['persistence']> = {};
    const loading = field('persistence', 'loading');
    if (loading !== undefined) persistence.loading = loading === '1';
    assign(persistence, 'rdbLastBgsaveStatus', field('persistence', 'rdb_last_bgsave_status'));
    assign(persistence, 'rdbChangesSinceLastSave', num('persistence', 'rdb_changes_since_last_save'));
    const aof = field('persistence', 'aof_enabled');
    if (aof !== undefined) persistence.aofEnabled = aof === '1';
    assign(persistence, 'aofLastWriteStatus', field('persistence', 'aof_last_write_status'));
    facts.persistence = persistence;
  }
  return facts;
}

function parseKeyspace(section: Record<string, string>): Record<string, KeyspaceEntry> {
  const result: Record<string, KeyspaceEntry> = {};
  for (const [db, value] of Object.entries(section)) {
    const parts = new Map(value.split(',').map((pair) => [pair.split('=')[0] ?? '', pair.split('=')[1] ?? ''] as const));
    const keys = toNumber(parts.get('keys'));
    if (keys === undefined) continue;
    result[db] = { keys, expires: toNumber(parts.get('expires')) ?? 0 };
  }
  return result;
}

function toNumber(value: string | undefined): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const n = Number(value);
  return Number.isFinite(n) ? n : undefined;
}

/** Sets `target[key]` only when `value` is defined (exactOptionalPropertyTypes-friendly). */
function assign<T extends object, K extends keyof T>(target: T, key: K, value: T[K] | undefined): void {
  if (value !== undefined) target[key] = value;
}
