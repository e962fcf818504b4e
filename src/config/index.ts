/**
 * Configuration: environment variables and options in, one checked
 * {@link ResolvedConfig} out; and how to show it without its secrets.
 */

export { CONFIG_VARIABLES, type ConfigVariable, DEFAULTS } from './fields.js';
export { loadConfig } from './load-config.js';
export type { HostPort, RedisKitOptions, RedisMode, ResolvedConfig, ResolvedMode } from './options.js';
export { describeTarget, redacted, redactUrl } from './redact.js';
export { readTlsFiles, type TlsFiles } from './tls-files.js';
