/**
 * The CLI's dispatch: global flags, the typo check on `REDIS_*` variables,
 * then one command module. Every way of calling it wrong ends in one clear
 * message and exit 2, never a stack trace.
 */

import { unknownRedisVariables } from '../config/explain-config.js';
import { ConfigError } from '../errors.js';
import { UsageError } from './args.js';
import type { CommandContext } from './commands/context.js';
import { type CommandName, isCommand, USAGE } from './usage.js';
import { packageVersion } from './version.js';
import { processWriter, type Writer } from './writer.js';

type Command = (argv: string[], context: CommandContext) => Promise<number>;

/**
 * Each command's module, loaded only when it runs: the client (and ioredis), cli-progress and the
 * service's Fastify are heavy, and `--help`, `--version` or `config` should not wait for them.
 */
const COMMANDS: Record<CommandName, () => Promise<Command>> = {
  serve: async () => (await import('./commands/serve.js')).serveCommand,
  doctor: async () => (await import('./commands/doctor.js')).doctorCommand,
  bench: async () => (await import('./commands/bench.js')).benchCommand,
  config: async () => (await import('./commands/config.js')).configCommand,
};

/** Warns (stderr) about `REDIS_*` variables no option reads; they would silently change nothing. */
function warnUnknownVariables(env: Record<string, string | undefined>, io: Writer): void {
  for (const { name, suggestion } of unknownRedisVariables(env)) {
    const hint = suggestion === undefined ? '' : `; did you mean ${suggestion}?`;
    io.err(`redis-kit: warning: ${name} is not a redis-kit variable and is ignored${hint}`);
  }
}

/** The CLI's entry point; returns the exit code. */
export async function main(argv: string[], env: Record<string, string | undefined>, io: Writer = processWriter()): Promise<number> {
  const [first, ...rest] = argv;
  switch (first) {
    case undefined:
      io.err(USAGE.main);
      return 2;
    case 'help':
    case '--help':
    case '-h':
      if (rest.length > 0) return usageError(io, new UsageError(`unexpected argument '${rest[0]}'`));
      io.out(USAGE.main);
      return 0;
    case '--version':
    case '-v':
      if (rest.length > 0) return usageError(io, new UsageError(`unexpected argument '${rest[0]}'`));
      io.out(packageVersion());
      return 0;
  }
  if (!isCommand(first)) {
    const what = first.startsWith('-') ? `unknown flag '${first}'` : `unknown command '${first}'`;
    return usageError(io, new UsageError(what));
  }
  warnUnknownVariables(env, io);
  try {
    const command = await COMMANDS[first]();
    return await command(rest, { env, io });
  } catch (error) {
    if (error instanceof UsageError) return usageError(io, error);
    if (error instanceof ConfigError) {
      io.err(`redis-kit: ${error.message}`);
      return 2;
    }
    throw error;
  }
}

function usageError(io: Writer, error: UsageError): number {
  const prefix = error.command === undefined ? 'redis-kit' : `redis-kit ${error.command}`;
  io.err(`${prefix}: ${error.message}`);
  if (error.showUsage) io.err(`\n${error.command !== undefined && isCommand(error.command) ? USAGE[error.command] : USAGE.main}`);
  return 2;
}
