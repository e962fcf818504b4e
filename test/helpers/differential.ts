import type { Redis } from 'ioredis';
import type { RedisKit } from '../../src/index.js';
import type { MethodCall, Step } from './command-arbitraries.js';

/** How one command ended, in terms both clients share: its reply, or its error's message. */
export type Outcome = { readonly value: unknown } | { readonly error: string };

/** How one step ended: a command's outcome, a batch's outcomes, or the batch's own failure (EXECABORT). */
export type StepOutcome = Outcome | { readonly batch: readonly Outcome[] | null };

/** Sends steps one after another through some client and records how each ended. */
export interface DiffTarget {
  run(step: Step): Promise<StepOutcome>;
}

/** Every error one side produced, for checks on how errors are typed. */
export type ErrorSink = (error: unknown) => void;

/**
 * A client method by name, or undefined. The commands are called through the methods a user
 * calls (`get`, `hgetallBuffer`), so the reply transforms of both clients are the ones compared.
 */
function method(target: object, name: string): ((...args: unknown[]) => unknown) | undefined {
  const fn: unknown = Reflect.get(target, name);
  return typeof fn === 'function' ? (...args: unknown[]) => Reflect.apply(fn, target, args) : undefined;
}

async function outcome(send: () => unknown, onError: ErrorSink): Promise<Outcome> {
  try {
    return { value: await send() };
  } catch (error) {
    onError(error);
    return { error: error instanceof Error ? error.message : String(error) };
  }
}

type BatchResult = [Error | null, unknown][] | null;

async function batchOutcome(exec: () => Promise<BatchResult>, onError: ErrorSink): Promise<StepOutcome> {
  let result: BatchResult;
  try {
    result = await exec();
  } catch (error) {
    onError(error);
    return { error: error instanceof Error ? error.message : String(error) };
  }
  if (result === null) return { batch: null };
  return {
    batch: result.map(([error, value]): Outcome => {
      if (error === null) return { value };
      onError(error);
      return { error: error.message };
    }),
  };
}

/** A plain ioredis connection as one side of the comparison. */
export function ioredisTarget(redis: Redis, onError: ErrorSink = () => undefined): DiffTarget {
  const send = (target: object, { method: name, args }: MethodCall): unknown =>
    // A command ioredis has no method for (an unknown one) goes through call(), as a user would send it.
    (method(target, name) ?? ((...a: unknown[]) => redis.call(name, ...(a as (string | Buffer | number)[]))))(...args);
  return {
    run(step) {
      if (step.kind === 'command') return outcome(() => send(redis, step.call), onError);
      const batch = step.kind === 'multi' ? redis.multi() : redis.pipeline();
      for (const c of step.calls) {
        const fn = method(batch, c.method);
        if (fn === undefined) batch.call(c.method, ...c.args);
        else fn(...c.args);
      }
      return batchOutcome(() => batch.exec(), onError);
    },
  };
}

/** A redis-kit client as the other side. */
export function kitTarget(redis: RedisKit, onError: ErrorSink = () => undefined): DiffTarget {
  return {
    run(step) {
      if (step.kind === 'command') {
        const { method: name, args } = step.call;
        return outcome(() => (method(redis, name) ?? ((...a: unknown[]) => redis.sendCommand(name, a)))(...args), onError);
      }
      const batch = step.kind === 'multi' ? redis.multi() : redis.pipeline();
      for (const c of step.calls) {
        const fn = method(batch, c.method);
        // An unknown command has no method: recorded as the generated methods record theirs.
        const add = fn ?? ((...a: unknown[]) => method(batch, 'addCommand')?.(c.method, a, false));
        add(...c.args);
      }
      return batchOutcome(() => batch.exec(), onError);
    },
  };
}

/** Runs `steps` in order on `target`, each awaited before the next (order matters to the dataset). */
export async function runSteps(target: DiffTarget, steps: readonly Step[]): Promise<StepOutcome[]> {
  const outcomes: StepOutcome[] = [];
  for (const s of steps) outcomes.push(await target.run(s));
  return outcomes;
}
