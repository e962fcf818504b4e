import { z } from 'zod';
import type { MessageLog } from '../../repositories/logs/index.js';
import type { RedisKit } from '../../services/redis-kit.js';

/** One message of a conversation. */
export const messageSchema = z.object({
  author: z.string().trim().min(1).max(64),
  text: z.string().min(1).max(4000),
});

/** The conversations: one Redis stream of messages per conversation id. */
export type Conversations = MessageLog<typeof messageSchema>;

/** A conversation id: what the routes accept in `:id` (also a safe key part). */
export const CONVERSATION_ID = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * The conversations log of the service: at most about 1,000 messages kept per
 * conversation (older ones trimmed), and a conversation nobody writes to for
 * 7 days expires as a whole.
 */
export function createConversations(redis: RedisKit): Conversations {
  return redis.log({ namespace: 'conversations', schema: messageSchema, maxLen: 1000, ttlMs: 7 * 86_400_000 });
}
