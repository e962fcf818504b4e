import { loadConfig } from '../config/load-config.js';
import { redacted } from '../config/redact.js';
import { ConfigError } from '../errors.js';
import { serve } from './serve.js';

const USAGE = `usage: redis-kit <command>

commands:
  serve     run the reference service (health endpoints); PORT and HOST choose where it listens
  config    print the effective configuration, secrets masked

Configuration comes from REDIS_* environment variables; see .env.example.`;

/** The CLI's entry point; returns the exit code. */
export async function main(argv: string[], env: Record<string, string | undefined>): Promise<number> {
  const [command] = argv;
  try {
    switch (command) {
      case 'serve':
        return await serve({ env });
      case 'config':
        process.stdout.write(`${JSON.stringify(redacted(loadConfig(env)), null, 2)}\n`);
        return 0;
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        process.stdout.write(`${USAGE}\n`);
        return command === undefined ? 2 : 0;
      default:
        process.stderr.write(`redis-kit: unknown command '${command}'\n${USAGE}\n`);
        return 2;
    }
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`redis-kit: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
}
