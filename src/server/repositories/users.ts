import { z } from 'zod';
import type { Repository } from '../../repositories/records/index.js';
import type { RedisKit } from '../../services/redis-kit.js';

/**
 * A user of the reference service. The email is trimmed and lower-cased by
 * the schema, so the unique key sees one spelling of each address.
 */
export const userSchema = z.object({
  name: z.string().trim().min(1).max(100),
  email: z.string().trim().toLowerCase().max(254).pipe(z.email()),
  createdAt: z.number().int().nonnegative(),
});

/** The body of `POST /api/users`: the fields a client gives (the service sets `createdAt`). */
export const newUserSchema = userSchema.pick({ name: true, email: true }).strict();

/** The body of `PATCH /api/users/:id`: the fields a client may change, each optional. */
export const userPatchSchema = newUserSchema.partial();

/** The users repository: one record per user, `findBy('email', …)` through a unique key. */
export type Users = Repository<typeof userSchema, 'email'>;

/** The users repository of the service: namespace `users`, unique `email`. */
export function createUsers(redis: RedisKit): Users {
  return redis.repository({ namespace: 'users', schema: userSchema, unique: ['email'] });
}
