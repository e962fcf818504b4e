import type { SentinelAnswer } from '../../topology/sentinel-view.js';
import { type CheckBase, runCheck } from './check.js';

/** The sentinels' view of the master: who they name, whether they agree, quorum, replicas. */
export interface SentinelCheck extends CheckBase {
  /** The master most reachable sentinels name (`host:port`), when any does. */
  master?: string;
  /** Every reachable sentinel names the same master. */
  agree?: boolean;
  /** Sentinels that answered, of those configured. */
  reachable?: number;
  configured?: number;
  /** The quorum configured for the master (as the first answering sentinel reports it). */
  quorum?: number;
  /** Some sentinel's `SENTINEL CKQUORUM` says a failover could be authorised now. */
  quorumReachable?: boolean;
  /** Replicas of the master that are up, per the sentinels (the most any of them sees). */
  replicasUp?: number;
  /** Each sentinel's answer. */
  sentinels?: SentinelAnswer[];
}

/** Where a warning about the sentinel view is attached. */
export interface SentinelWarning {
  code: string;
  message: string;
}

/**
 * Runs `read` (the sentinels' answers) under `timeoutMs`. Fails when no
 * sentinel answers; the warnings say what else is wrong.
 */
export function checkSentinel(read: (timeoutMs: number) => Promise<SentinelAnswer[]>, timeoutMs: number): Promise<SentinelCheck> {
  return runCheck<SentinelCheck>(
    timeoutMs,
    async (budget) => {
      const answers = await read(Math.max(1, budget.remainingMs - 5));
      const up = answers.filter((answer) => answer.reachable);
      const named = new Map<string, number>();
      for (const answer of up) if (answer.master !== undefined) named.set(answer.master, (named.get(answer.master) ?? 0) + 1);
      const [master] = [...named.entries()].sort((a, b) => b[1] - a[1])[0] ?? [];
      const check: SentinelCheck = {
        status: up.length === 0 ? 'fail' : 'pass',
        durationMs: budget.elapsedMs,
        agree: named.size === 1,
        reachable: up.length,
        configured: answers.length,
        quorumReachable: up.some((answer) => answer.quorumReachable === true),
        replicasUp: Math.max(0, ...up.map((answer) => answer.replicasUp ?? 0)),
        sentinels: answers,
      };
      if (master !== undefined) check.master = master;
      const quorum = up.find((answer) => answer.quorum !== undefined)?.quorum;
      if (quorum !== undefined) check.quorum = quorum;
      if (up.length === 0) check.error = { code: 'ERR_REDIS_CONNECT', message: `none of the ${answers.length} sentinels answered` };
      return check;
    },
    (failure) => failure,
  );
}

/** What needs a human in the sentinel view. */
export function sentinelWarnings(check: SentinelCheck): SentinelWarning[] {
  if (check.status === 'fail' || check.sentinels === undefined) return [];
  const warnings: SentinelWarning[] = [];
  const down = check.sentinels.filter((answer) => !answer.reachable).map((answer) => answer.address);
  if (down.length > 0) {
    warnings.push({
      code: 'sentinel-unreachable',
      message: `${down.length} of ${check.configured} sentinels did not answer (${down.join(', ')}): a failover needs a majority of them; check those processes`,
    });
  }
  if (check.agree === false) {
    warnings.push({
      code: 'sentinel-disagree',
      message: 'the sentinels name different masters (a failover in progress, or a partition): writes may go to a node about to be demoted',
    });
  }
  if (check.quorumReachable === false) {
    warnings.push({
      code: 'sentinel-no-quorum',
      message: `the sentinels cannot reach their quorum (${check.quorum ?? '?'}): a failed master would not be replaced; start more sentinels`,
    });
  }
  if (check.replicasUp === 0) {
    warnings.push({
      code: 'primary-without-replica',
      message:
        'the master has no replica that is up: if it fails there is nothing to promote, and every write since the last replica was lost is at risk; add a replica',
    });
  }
  return warnings;
}
