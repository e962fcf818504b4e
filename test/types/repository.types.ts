/**
 * Type tests of `redis.repository()`: the record type comes from the schema,
 * `findBy` takes only the unique fields. Compiled with the build (each
 * `@ts-expect-error` fails the build if its line stops being an error).
 * Never run.
 */
import { z } from 'zod';
import { createRedis, createRepository, type Repository, type StandardSchemaV1, type StoredRecord } from '../../src/index.js';

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
function expectType<T extends true>(_proof?: T): void {
  // The check is the type argument; nothing happens at run time.
}

const User = z.object({
  email: z.string().email(),
  name: z.string(),
  age: z.number().int().optional(),
  role: z.enum(['admin', 'user']).default('user'),
});
type UserOut = z.output<typeof User>;

export async function inference(): Promise<void> {
  const redis = createRedis();
  const users = redis.repository({ namespace: 'users', schema: User, unique: ['email'] });

  const user = await users.get('1');
  expectType<Equal<typeof user, UserOut | undefined>>();
  expectType<Equal<NonNullable<typeof user>['role'], 'admin' | 'user'>>();

  // The input type: `role` has a default, so it may be left out on write.
  const stored = await users.put('1', { email: 'a@x.io', name: 'A' });
  expectType<Equal<typeof stored, UserOut>>();
  const created = await users.create({ email: 'b@x.io', name: 'B', role: 'admin' });
  expectType<Equal<typeof created, StoredRecord<UserOut>>>();

  const updated = await users.update('1', (current) => {
    expectType<Equal<typeof current, UserOut>>();
    return { ...current, age: (current.age ?? 0) + 1 };
  });
  expectType<Equal<typeof updated, UserOut>>();
  await users.update('1', async (current) => ({ ...current, name: 'async is fine' }));

  const found = await users.findBy('email', 'a@x.io');
  expectType<Equal<typeof found, StoredRecord<UserOut> | undefined>>();
  const many = await users.getMany(['1', '2']);
  expectType<Equal<typeof many, (UserOut | undefined)[]>>();
  const page = await users.list({ limit: 10 });
  expectType<Equal<(typeof page.records)[number]['value'], UserOut>>();

  // @ts-expect-error -- `name` is not one of the unique fields
  await users.findBy('name', 'A');
  // @ts-expect-error -- the value of a unique field has the field's type
  await users.findBy('email', 42);
  // @ts-expect-error -- a required field is missing
  await users.put('1', { email: 'a@x.io' });
  // @ts-expect-error -- a field of the wrong type
  await users.put('1', { email: 'a@x.io', name: 1 });
  // @ts-expect-error -- fn must return a record
  await users.update('1', () => 'nope');
  // @ts-expect-error -- unique names fields of the record
  redis.repository({ namespace: 'users', schema: User, unique: ['emial'] });
  // @ts-expect-error -- a schema is required
  redis.repository({ namespace: 'users' });

  // Without `unique`, findBy takes no field at all.
  const plain = createRepository(redis, { namespace: 'plain', schema: z.object({ n: z.number() }) });
  expectType<Equal<typeof plain, Repository<z.ZodObject<{ n: z.ZodNumber }>, never>>>();
  // @ts-expect-error -- no unique fields
  await plain.findBy('n', 1);

  // Any Standard Schema, not only zod: the output type is read from `~standard.types`.
  const custom: StandardSchemaV1<{ id: string }, { id: string; at: number }> = {
    '~standard': { version: 1, vendor: 'custom', validate: (value) => ({ value: { ...(value as { id: string }), at: 1 } }) },
  };
  const events = redis.repository({ namespace: 'events', schema: custom, unique: ['at'] });
  const event = await events.get('e');
  expectType<Equal<typeof event, { id: string; at: number } | undefined>>();
  await events.put('e', { id: 'e' });
  await events.findBy('at', 1);
}
