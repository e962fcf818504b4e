/** `redis-kit doctor`: checks the Redis the configuration points at. */

import { intFlag, parseFlags, text } from '../args.js';
import type { CheckResult } from '../doctor/check.js';
import { USAGE } from '../usage.js';
import type { CommandContext } from './context.js';

const LABEL = { pass: 'pass', warn: 'WARN', fail: 'FAIL' } as const;

function line(result: CheckResult): string {
  const fix = result.fix === undefined ? '' : ` → ${result.fix}`;
  return `${LABEL[result.status]}  ${result.name.padEnd(15)} ${result.detail}${fix}`;
}

export async function doctorCommand(argv: string[], { env, io }: CommandContext): Promise<number> {
  const flags = parseFlags('doctor', argv, { json: { type: 'boolean' }, processes: { type: 'string' } });
  if (flags.help === true) {
    io.out(USAGE.doctor);
    return 0;
  }
  const processes = intFlag('doctor', 'processes', text(flags, 'processes'), 1, 100_000) ?? 1;
  const json = flags.json === true;
  // Loaded once the flags are good: the checks pull in the client (and ioredis), which `--help`
  // and a usage error should not wait for.
  const { runDoctor } = await import('../doctor/run-doctor.js');
  const report = await runDoctor({
    env,
    processes,
    onSecrets: (secrets) => io.addSecrets(secrets),
    ...(!json && { onResult: (result: CheckResult) => io.out(line(result)) }),
  });
  if (json) io.out(JSON.stringify(report, null, 2));
  else
    io.out(
      report.ok
        ? `doctor: ${report.target}: no failures`
        : `doctor: ${report.target}: ${report.checks.filter((c) => c.status === 'fail').length} failed`,
    );
  return report.ok ? 0 : 1;
}
