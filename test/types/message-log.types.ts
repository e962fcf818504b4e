/**
 * Type tests for message logs: compiled by `tsc` with the rest of test/,
 * never run. Every `@ts-expect-error` must stay an error, or the build fails.
 */
import { z } from 'zod';
import {
  createMessageLog,
  type LogEntry,
  type LogFollower,
  type MessageLog,
  type RedisKit,
  type StandardSchemaV1,
  ValidationError,
} from '../../src/index.js';

const message = z.object({ from: z.string(), text: z.string(), sentAt: z.coerce.date() });

export async function messageLogTypes(redis: RedisKit): Promise<void> {
  const log = redis.log({ namespace: 'chat', schema: message, maxLen: 1000, ttlMs: 86_400_000 });

  // The entry type is the schema's: input on append, output on reads.
  const id: string = await log.append('room-1', { from: 'ada', text: 'hi', sentAt: new Date() });
  // @ts-expect-error -- `text` is required by the schema
  await log.append('room-1', { from: 'ada', sentAt: new Date() });
  // @ts-expect-error -- `from` is a string
  await log.append('room-1', { from: 1, text: 'hi', sentAt: new Date() });

  const page: LogEntry<{ from: string; text: string; sentAt: Date }>[] = await log.range('room-1', { after: id, limit: 50 });
  const sentAt: Date = page[0]?.value.sentAt ?? new Date();
  void sentAt;
  // @ts-expect-error -- not a field of the schema
  void page[0]?.value.missing;
  // @ts-expect-error -- range needs a limit
  await log.range('room-1', { after: id });

  const newest = await log.latest('room-1', 20);
  const text: string | undefined = newest.at(-1)?.value.text;
  void text;
  // @ts-expect-error -- n is a number
  await log.latest('room-1', '20');

  const follower: LogFollower<z.output<typeof message>> = log.follow('room-1', { after: id, signal: AbortSignal.timeout(1000) });
  await follower.ready;
  for await (const entry of follower) {
    const from: string = entry.value.from;
    // @ts-expect-error -- entry ids are strings
    const n: number = entry.id;
    void from;
    void n;
    break;
  }
  // @ts-expect-error -- not a follow option
  log.follow('room-1', { from: id });

  // The same through createMessageLog; the log type names its schema.
  const same: MessageLog<typeof message> = createMessageLog(redis, { schema: message });
  void same;
  // @ts-expect-error -- the schema is required
  redis.log({ namespace: 'chat' });
  // @ts-expect-error -- a schema is a Standard Schema validator, not a plain object
  redis.log({ schema: { from: 'string' } });
  // @ts-expect-error -- not an option
  redis.log({ schema: message, maxLength: 10 });

  // Any Standard Schema implementation is accepted, not only zod.
  const handwritten: StandardSchemaV1<{ n: number }> = {
    '~standard': {
      version: 1,
      vendor: 'handwritten',
      validate: (value) =>
        typeof value === 'object' && value !== null && typeof (value as { n?: unknown }).n === 'number'
          ? { value: value as { n: number } }
          : { issues: [{ message: 'expected { n: number }' }] },
    },
  };
  const counters = redis.log({ schema: handwritten });
  const n: number | undefined = (await counters.latest('c', 1))[0]?.value.n;
  void n;

  try {
    await log.append('room-1', { from: 'ada', text: 'hi', sentAt: new Date() });
  } catch (error) {
    if (error instanceof ValidationError) {
      const messages: string[] = error.issues.map((issue) => issue.message);
      void messages;
    }
  }
}
