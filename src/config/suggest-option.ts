/**
 * "Did you mean …?" for unknown option names. Unknown options are rejected
 * (a misspelt `maxConection` would otherwise silently keep the default), so
 * the rejection should point at the intended name.
 */

/** Names used by other pool and client libraries, mapped to ours. */
const ALIASES: Readonly<Record<string, string>> = {
  max: 'maxConnections',
  min: 'minConnections',
  host: 'url',
  port: 'url',
  prefix: 'keyPrefix',
  name: 'connectionName',
  database: 'db',
  connecttimeout: 'connectTimeoutMs',
  commandtimeout: 'commandTimeoutMs',
  idletimeoutmillis: 'idleTimeoutMs',
  acquiretimeoutmillis: 'acquireTimeoutMs',
  sentinelname: 'sentinelMaster',
};

function normalize(name: string): string {
  // REDIS_MAX_CONNECTIONS, max_connections and maxConnections all become maxconnections;
  // tarn's …Millis suffix becomes our …Ms.
  return name
    .toLowerCase()
    .replace(/^redis_/, '')
    .replace(/[_-]/g, '')
    .replace(/millis$/, 'ms');
}

// Edit distance counting a swap of two neighbours as one edit (optimal string alignment):
// `lanse` is one typo away from `lanes`, not two.
function distance(a: string, b: string): number {
  let before: number[] = [];
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      let best = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, (before[j - 2] ?? 0) + 1);
      current.push(best);
    }
    before = previous;
    previous = current;
  }
  return previous[b.length] ?? Math.max(a.length, b.length);
}

/**
 * The known option closest to `unknown`, or undefined when none is close.
 * Environment variable names are recognised too (`REDIS_LANES` → `lanes`),
 * as are a few names from other libraries (`max` → `maxConnections`).
 */
export function suggestOption(unknown: string, known: readonly string[]): string | undefined {
  const target = normalize(unknown);
  const alias = ALIASES[target];
  if (alias !== undefined && known.includes(alias)) return alias;
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const name of known) {
    const d = distance(target, normalize(name));
    if (d < bestDistance) {
      best = name;
      bestDistance = d;
    }
  }
  // Beyond a third of the name the "suggestion" is a guess and misleads more than it helps.
  return bestDistance <= Math.max(1, Math.floor(target.length / 3)) ? best : undefined;
}
