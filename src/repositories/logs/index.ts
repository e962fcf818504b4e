export { createMessageLog, MessageLog } from './message-log.js';
export type { MessageLogOptions } from './log-options.js';
export type { LogEntry, LogFollower, LogFollowOptions, LogRangeOptions } from './types.js';
