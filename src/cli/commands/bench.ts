/** `redis-kit bench`: the throughput probe from the command line. */

import cliProgress from 'cli-progress';
import { describeTarget } from '../../config/redact.js';
import { InvalidArgumentError } from '../../errors.js';
import { PROBE_LIMITS, type ProbeProgress, runThroughputProbe, type ThroughputReport } from '../../probe/throughput-probe.js';
import { intFlag, numberFlag, parseFlags, text, UsageError } from '../args.js';
import { USAGE } from '../usage.js';
import type { Writer } from '../writer.js';
import type { CommandContext } from './context.js';

const ms = (value: number) => `${value.toFixed(3)} ms`;

function summaryTable(report: ThroughputReport, target: string): string {
  const rows: [string, string][] = [
    ['target', target],
    ['operations', `${report.operations} (${report.gets} GET, ${report.sets} SET)`],
    ['errors', report.errors === 0 ? '0' : `${report.errors} ${JSON.stringify(report.errorCodes)}`],
    ['concurrency', String(report.concurrency)],
    ['value size', `${report.valueSize} B`],
    ['duration', `${(report.durationMs / 1000).toFixed(2)} s`],
    ['throughput', `${Math.round(report.opsPerSecond)} ops/s`],
    ['latency p50', ms(report.latency.p50Ms)],
    ['latency p90', ms(report.latency.p90Ms)],
    ['latency p99', ms(report.latency.p99Ms)],
    ['latency max', ms(report.latency.maxMs)],
  ];
  const width = Math.max(...rows.map(([name]) => name.length));
  const valueWidth = Math.max(...rows.map(([, value]) => value.length));
  const rule = (left: string, middle: string, right: string) =>
    `${left}${'─'.repeat(width + 2)}${middle}${'─'.repeat(valueWidth + 2)}${right}`;
  const body = rows.map(([name, value]) => `│ ${name.padEnd(width)} │ ${value.padEnd(valueWidth)} │`);
  return [rule('┌', '┬', '┐'), ...body, rule('└', '┴', '┘')].join('\n');
}

/** A progress bar on the terminal (stderr); nothing at all when there is none. */
function progressBar(io: Writer, durationMs: number | undefined): ((progress: ProbeProgress) => void) | undefined {
  const stream = io.tty;
  if (stream === undefined) return undefined;
  const byTime = durationMs !== undefined;
  const bar = new cliProgress.SingleBar(
    {
      stream,
      format: byTime ? 'bench [{bar}] {percentage}% | {value}/{total} s | {ops} ops' : 'bench [{bar}] {percentage}% | {value}/{total} ops',
      hideCursor: true,
      clearOnComplete: true,
    },
    cliProgress.Presets.shades_classic,
  );
  let startedBar = false;
  return (progress) => {
    const total = byTime ? Math.round((progress.durationMs ?? 0) / 100) / 10 : progress.operations;
    const value = byTime ? Math.min(total, Math.round(progress.elapsedMs / 100) / 10) : progress.completed;
    if (!startedBar) {
      bar.start(total, 0, { ops: 0 });
      startedBar = true;
    }
    bar.update(value, { ops: progress.completed });
    const finished = byTime ? progress.elapsedMs >= (progress.durationMs ?? 0) : progress.completed >= progress.operations;
    if (finished) bar.stop();
  };
}

export async function benchCommand(argv: string[], { env, io }: CommandContext): Promise<number> {
  const flags = parseFlags('bench', argv, {
    operations: { type: 'string' },
    concurrency: { type: 'string' },
    'value-size': { type: 'string' },
    duration: { type: 'string' },
    'read-ratio': { type: 'string' },
    json: { type: 'boolean' },
  });
  if (flags.help === true) {
    io.out(USAGE.bench);
    return 0;
  }
  const L = PROBE_LIMITS;
  const operations = intFlag('bench', 'operations', text(flags, 'operations'), L.operations.min, L.operations.max);
  const concurrency = intFlag('bench', 'concurrency', text(flags, 'concurrency'), L.concurrency.min, L.concurrency.max);
  const valueSize = intFlag('bench', 'value-size', text(flags, 'value-size'), L.valueSize.min, L.valueSize.max);
  const seconds = numberFlag('bench', 'duration', text(flags, 'duration'), L.durationMs.min / 1000, L.durationMs.max / 1000);
  const readRatio = numberFlag('bench', 'read-ratio', text(flags, 'read-ratio'), 0, 1);
  const durationMs = seconds === undefined ? undefined : Math.round(seconds * 1000);

  // Loaded once the flags are good: the client (and ioredis) take a few hundred milliseconds to
  // load, which `--help` and a usage error should not wait for.
  const { RedisClient } = await import('../../client/client.js');
  const client = new RedisClient({ env });
  io.addSecrets([client.options.password, client.options.sentinelPassword]);
  const target = describeTarget(client.options);
  if (client.options.mode === 'memory') {
    io.err('redis-kit bench: REDIS_URL is memory://; there is no Redis to measure');
    await client.close({ deadlineMs: 1000 });
    return 1;
  }
  try {
    await client.connect();
  } catch (error) {
    io.err(`redis-kit bench: cannot connect to ${target}: ${error instanceof Error ? error.message : String(error)}`);
    await client.close({ deadlineMs: 1000 });
    return 1;
  }
  try {
    const onProgress = flags.json === true ? undefined : progressBar(io, durationMs);
    const report = await runThroughputProbe(client, {
      ...(operations !== undefined && { operations }),
      ...(concurrency !== undefined && { concurrency }),
      ...(valueSize !== undefined && { valueSize }),
      ...(durationMs !== undefined && { durationMs }),
      ...(readRatio !== undefined && { readRatio }),
      ...(onProgress !== undefined && { onProgress }),
    });
    if (flags.json === true) io.out(JSON.stringify({ target, ...report }, null, 2));
    else io.out(summaryTable(report, target));
    return report.errors === 0 ? 0 : 1;
  } catch (error) {
    // Out-of-range combinations the flag parsing could not see are the caller's mistake: exit 2.
    if (error instanceof InvalidArgumentError) {
      throw new UsageError(error.message, 'bench');
    }
    throw error;
  } finally {
    await client.close({ deadlineMs: 2000 });
  }
}
