/**
 * Whether the configured user may run what redis-kit sends, asked with
 * `ACL DRYRUN` (Redis 7+) on a representative call of each command, with a
 * key under the configured prefix so key patterns are checked too.
 */

import { ReplyError } from '../../errors.js';
import { type CheckResult, describeError, fail, pass, warn } from './check.js';

/** Something that can send a command (a RedisClient). */
export interface CommandSender {
  sendCommand(name: string, args: unknown[]): Promise<unknown>;
}

/** The commands redis-kit's client and services send, each with arguments of a valid shape. */
function commandsUsed(key: string): readonly (readonly string[])[] {
  return [
    ['ping'],
    ['info', 'server'],
    ['get', key],
    ['set', key, 'v', 'PX', '1000'],
    ['mget', key],
    ['del', key],
    ['unlink', key],
    ['pexpire', key, '1000'],
    ['pttl', key],
    ['incr', key],
    ['hset', key, 'f', 'v'],
    ['hget', key, 'f'],
    ['zadd', key, '1', 'm'],
    ['eval', 'return 1', '1', key],
    ['evalsha', '0000000000000000000000000000000000000000', '1', key],
    ['script', 'load', 'return 1'],
    ['scan', '0', 'MATCH', `${key}*`],
    ['watch', key],
    ['multi'],
    ['exec'],
    ['publish', 'redis-kit:doctor', 'm'],
    ['subscribe', 'redis-kit:doctor'],
    ['psubscribe', 'redis-kit:*'],
    ['client', 'tracking', 'on'],
  ];
}

export async function checkAcl(client: CommandSender, keyPrefix: string): Promise<CheckResult> {
  let user: string;
  try {
    user = String(await client.sendCommand('acl', ['whoami']));
  } catch (error) {
    return warn(
      'acl',
      `cannot ask ACL WHOAMI (${describeError(error)}); permissions not verified`,
      'allow the user +acl|whoami +acl|dryrun, or check the commands by hand',
    );
  }
  const denied: string[] = [];
  for (const [name, ...args] of commandsUsed(`${keyPrefix}redis-kit:doctor`)) {
    if (name === undefined) continue;
    let reply: unknown;
    try {
      reply = await client.sendCommand('acl', ['dryrun', user, name, ...args]);
    } catch (error) {
      // Redis 6.x has no ACL DRYRUN; a user without +acl|dryrun cannot ask either.
      if (error instanceof ReplyError) {
        return warn(
          'acl',
          `ACL DRYRUN unavailable (${error.message}); permissions not verified`,
          'on Redis 7+, allow +acl|dryrun to let doctor verify permissions',
        );
      }
      return warn('acl', `ACL DRYRUN failed (${describeError(error)}); permissions not verified`, 'rerun doctor');
    }
    if (String(reply) !== 'OK') denied.push(name === 'client' || name === 'script' ? `${name} ${args[0]}` : name);
  }
  if (denied.length > 0) {
    return fail(
      'acl',
      `user '${user}' may not run: ${denied.join(', ')}`,
      `grant them, e.g. ACL SETUSER ${user} ${denied.map((c) => `+${c.replace(' ', '|')}`).join(' ')} (and ~${keyPrefix}* &redis-kit:*)`,
    );
  }
  return pass('acl', `user '${user}' may run every command redis-kit uses (${commandsUsed('').length} checked)`);
}
