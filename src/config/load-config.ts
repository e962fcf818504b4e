/**
 * `loadConfig`: environment + programmatic options → one checked, frozen
 * {@link ResolvedConfig}, or one {@link ConfigError} listing every problem.
 */

import { ConfigError, type ConfigIssue } from '../errors.js';
import { crossCheck } from './cross-checks.js';
import { DEFAULTS, FIELDS, type Field } from './fields.js';
import type { HostPort, RedisKitOptions, ResolvedConfig, ResolvedMode } from './options.js';
import { type ParsedUrl, parseRedisUrl } from './parse-url.js';
import { checkOverrides, type Env, readField, type Slot } from './read-field.js';

const DEFAULT_URL: ParsedUrl = (() => {
  const parsed = parseRedisUrl(DEFAULTS.url);
  // The default is a constant; failing here is a bug in this file, not a configuration problem.
  if (!parsed.ok) throw new Error(`redis-kit: the default URL does not parse: ${parsed.reason}`);
  return parsed.value;
})();

const orDefault = <T>(slot: Slot<T>, fallback: T): T => slot.value ?? fallback;

const freezeNodes = (nodes: readonly HostPort[] | undefined): readonly HostPort[] =>
  Object.freeze((nodes ?? []).map((node) => Object.freeze({ host: node.host, port: node.port })));

/**
 * Reads the configuration from `env` (the `REDIS_*` variables; durations in
 * seconds) and `overrides` (programmatic, durations in ms), which win field by
 * field. Every value is checked against its bounds, unknown option names are
 * rejected, and the fields are checked against each other (min ≤ max, what
 * cluster and sentinel mode need).
 *
 * Empty variables count as unset; so do blank ones, except the credentials
 * and the key prefix, which are taken verbatim. Nothing is read from disk: TLS files are read by `readTlsFiles`.
 *
 * @throws {ConfigError} listing every problem found, each naming the variable
 *   or option, the value received (passwords as `***`, URLs redacted) and what
 *   is accepted.
 */
export function loadConfig(env: Env = process.env, overrides: RedisKitOptions = {}): ResolvedConfig {
  const issues: ConfigIssue[] = [];
  const given = checkOverrides(overrides, issues);
  const read = <T>(field: Field<T>): Slot<T> => readField(field, env, given, issues);

  const url = read(FIELDS.url);
  const mode = read(FIELDS.mode);
  const username = read(FIELDS.username);
  const password = read(FIELDS.password);
  const db = read(FIELDS.db);
  const clusterNodes = read(FIELDS.clusterNodes);
  const sentinels = read(FIELDS.sentinels);
  const sentinelMaster = read(FIELDS.sentinelMaster);
  const sentinelPassword = read(FIELDS.sentinelPassword);
  const minConnections = read(FIELDS.minConnections);
  const maxConnections = read(FIELDS.maxConnections);
  const tlsCaFile = read(FIELDS.tlsCaFile);
  const tlsCertFile = read(FIELDS.tlsCertFile);
  const tlsKeyFile = read(FIELDS.tlsKeyFile);
  const number = (field: Field<number>, fallback: number) => orDefault(read(field), fallback);
  const plain = {
    lanes: number(FIELDS.lanes, DEFAULTS.lanes),
    connectTimeoutMs: number(FIELDS.connectTimeoutMs, DEFAULTS.connectTimeoutMs),
    socketTimeoutMs: number(FIELDS.socketTimeoutMs, DEFAULTS.socketTimeoutMs),
    acquireTimeoutMs: number(FIELDS.acquireTimeoutMs, DEFAULTS.acquireTimeoutMs),
    commandTimeoutMs: number(FIELDS.commandTimeoutMs, DEFAULTS.commandTimeoutMs),
    retryMaxDelayMs: number(FIELDS.retryMaxDelayMs, DEFAULTS.retryMaxDelayMs),
    keyPrefix: orDefault(read(FIELDS.keyPrefix), DEFAULTS.keyPrefix),
    engine: orDefault(read(FIELDS.engine), DEFAULTS.engine),
    clusterSlotsRefreshIntervalMs: number(FIELDS.clusterSlotsRefreshIntervalMs, DEFAULTS.clusterSlotsRefreshIntervalMs),
    readFrom: orDefault(read(FIELDS.readFrom), DEFAULTS.readFrom),
    idleTimeoutMs: number(FIELDS.idleTimeoutMs, DEFAULTS.idleTimeoutMs),
    maxLifetimeMs: number(FIELDS.maxLifetimeMs, DEFAULTS.maxLifetimeMs),
    validateAfterIdleMs: number(FIELDS.validateAfterIdleMs, DEFAULTS.validateAfterIdleMs),
    maxWaitingAcquires: number(FIELDS.maxWaitingAcquires, DEFAULTS.maxWaitingAcquires),
    maxQueuedCommands: number(FIELDS.maxQueuedCommands, DEFAULTS.maxQueuedCommands),
    breakerFailureThreshold: number(FIELDS.breakerFailureThreshold, DEFAULTS.breakerFailureThreshold),
    breakerProbeIntervalMs: number(FIELDS.breakerProbeIntervalMs, DEFAULTS.breakerProbeIntervalMs),
    writeConcernReplicas: number(FIELDS.writeConcernReplicas, DEFAULTS.writeConcernReplicas),
    writeConcernTimeoutMs: number(FIELDS.writeConcernTimeoutMs, DEFAULTS.writeConcernTimeoutMs),
    connectionName: orDefault(read(FIELDS.connectionName), DEFAULTS.connectionName),
  };

  // A rejected URL still needs stand-in parts so the remaining checks can run; the error is thrown below anyway.
  const target = url.value?.parsed ?? DEFAULT_URL;
  const effectiveMode: ResolvedMode = target.memory ? 'memory' : orDefault(mode, DEFAULTS.mode);
  // Precedence for credentials and db: option, then variable, then the URL. An explicit '' option means "none".
  const fromUrlOr = <T>(slot: Slot<T>, urlValue: T): T | undefined => (slot.from === undefined ? urlValue : slot.value);
  const effectiveDb = fromUrlOr(db, target.db) ?? DEFAULTS.db;
  const dbFrom = db.from ?? (target.db === undefined ? undefined : url.from);

  crossCheck(
    {
      mode: effectiveMode,
      modeSlot: mode,
      db: effectiveDb,
      dbFrom,
      minConnections,
      maxConnections,
      clusterNodes,
      sentinels,
      sentinelMaster,
      tlsCertFile,
      tlsKeyFile,
    },
    issues,
  );
  if (issues.length > 0) throw new ConfigError(issues);

  const userName = fromUrlOr(username, target.username);
  const secret = fromUrlOr(password, target.password);
  const ca = tlsCaFile.value;
  const cert = tlsCertFile.value;
  const key = tlsKeyFile.value;
  const config: ResolvedConfig = {
    url: url.value?.url ?? DEFAULTS.url,
    mode: effectiveMode,
    host: target.host,
    port: target.port,
    db: effectiveDb,
    // Absent rather than `undefined`, so `'password' in config` and Object.keys tell the truth.
    ...(userName !== undefined && { username: userName }),
    ...(secret !== undefined && { password: secret }),
    ...(sentinelMaster.value !== undefined && { sentinelMaster: sentinelMaster.value }),
    ...(sentinelPassword.value !== undefined && { sentinelPassword: sentinelPassword.value }),
    ...(ca !== undefined && { tlsCaFile: ca }),
    ...(cert !== undefined && { tlsCertFile: cert }),
    ...(key !== undefined && { tlsKeyFile: key }),
    tls: target.tls || ca !== undefined || cert !== undefined || key !== undefined,
    clusterNodes: freezeNodes(clusterNodes.value),
    sentinels: freezeNodes(sentinels.value),
    minConnections: orDefault(minConnections, DEFAULTS.minConnections),
    maxConnections: orDefault(maxConnections, DEFAULTS.maxConnections),
    ...plain,
  };
  return Object.freeze(config);
}
