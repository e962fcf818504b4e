export { RedisClient } from './client/client.js';
export { createRedis, RedisKit } from './services/redis-kit.js';
export type { ClientEvents, CloseOptions, CreateRedisOptions, LeaseOptions, SendOptions } from './client/types.js';
export type { HealthOptions } from './client/types.js';
export type { CheckStatus, HealthCheckName, HealthChecks, HealthReport, HealthSummary, HealthWarning } from './observability/health.js';
export { healthSummary } from './observability/health.js';
export type { LatencyClass, LatencyThresholdsMs } from './observability/latency-class.js';
export type { ClientState, ClientStats } from './client/stats.js';
export type { ScanKeysOptions } from './client/scan-keys.js';
export type { ConnectReport } from './client/connect-report.js';
export type { LifecycleState } from './lifecycle/lifecycle.js';
export { loadConfig, redacted, describeTarget } from './config/index.js';
export type { HostPort, RedisKitOptions, RedisMode, ResolvedConfig, ResolvedMode } from './config/index.js';
export * from './errors.js';
export type { Lease } from './lease/leased-connection.js';
export { channelNames } from './observability/channels.js';
export type {
  BreakerEvent,
  CacheOutcome,
  CacheResultEvent,
  CommandEvent,
  ConnectionEvent,
  LeaseEvent,
  PubSubMessageEvent,
  PubSubResubscribedEvent,
  RateLimitDecisionEvent,
} from './observability/channels.js';
export type { ChainablePipeline } from './commands/pipeline.js';
export { Script } from './commands/script.js';
export type { ScriptDefinition } from './commands/script.js';
export type { Summary } from './pool/histogram.js';
export type { PoolStatsSnapshot } from './pool/pool-stats.js';

export {
  Cache,
  CacheDecodeError,
  CacheEncodeError,
  CacheError,
  CacheKeyError,
  CodecUnavailableError,
  createCache,
  jsonCodec,
  msgpackCodec,
  stableKey,
} from './cache/index.js';
export type {
  CachedFunction,
  CachedOptions,
  CacheEntry,
  CacheErrorCode,
  CacheEvents,
  CacheKey,
  CacheOptions,
  CacheStats,
  Codec,
  MemoryStoreOptions,
  MsgpackCodecOptions,
  NearCacheOptions,
  SetOptions,
  WrapOptions,
} from './cache/index.js';
export * from './session/index.js';
export { createRateLimiter, fastifyRateLimitStore, RateLimiter, rateLimitHeaders } from './rate-limit/index.js';
export type {
  FailMode,
  FastifyIncrResult,
  FastifyRateLimitStoreClass,
  FastifyRateLimitStoreLike,
  FastifyStoreOptions,
  RateLimitAlgorithm,
  RateLimiterOptions,
  RateLimitHeaders,
  RateLimitResult,
  RateLimitSource,
  RuleOverrides,
} from './rate-limit/index.js';
export { createPubSub, PubSub, PubSubHandlerError } from './pubsub/index.js';
export type {
  MessageHandler,
  MessageIterator,
  MessagesOptions,
  OverflowPolicy,
  PubSubEvents,
  PubSubMessage,
  PubSubOptions,
  PubSubStats,
  ResubscribedEvent,
  Subscription,
  TopicSet,
  Topics,
} from './pubsub/index.js';
export { Availability, isRedisDown } from './fallback/availability.js';
export type { AvailabilityEvents, AvailabilityOptions } from './fallback/availability.js';
export { decodeKeyPart, encodeKeyPart } from './keys/key-encoding.js';
export { createRepository, RecordNotFoundError, Repository, UniqueViolationError } from './repositories/records/index.js';
export type {
  FieldOf,
  ListOptions,
  OnInvalid,
  PutOptions,
  RecordPage,
  RepositoryOptions,
  RepositoryStats,
  StoredRecord,
} from './repositories/records/index.js';
export { createMessageLog, MessageLog } from './repositories/logs/index.js';
export type { LogEntry, LogFollower, LogFollowOptions, LogRangeOptions, MessageLogOptions } from './repositories/logs/index.js';
export type { InferInput, InferOutput, StandardIssue, StandardResult, StandardSchemaV1 } from './repositories/standard-schema.js';
