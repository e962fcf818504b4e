/** Test helpers for integration tests against real redis-server processes. */
export { hasErrorCode } from './errno.js';
export { type FaultProxy, type ProxyTarget, startFaultProxy } from './fault-proxy.js';
export { freePort } from './free-port.js';
export { type RedisServer, type RedisServerConnectOptions, type StartRedisOptions, startRedis } from './redis-server.js';
export {
  type RespAuth,
  RespClient,
  type RespConnectOptions,
  type RespSendOptions,
} from './resp-client.js';
export { RespError, RespProtocolError, type RespValue, replyToText } from './resp-protocol.js';
export { once, TimeoutError, type WaitForOptions, waitFor, withTimeout } from './wait-for.js';
