import type { ChainableCommander } from 'ioredis';
import { classifyError } from '../engine/classify-error.js';
import { installChainableCommands, type CommandRecorder } from './install-commands.js';
import type { BatchCommand, BatchReplies } from '../engine/engine.js';
import { InvalidArgumentError } from '../errors.js';

/** Runs a recorded batch somewhere: on a lane, or on a leased connection. */
export type BatchRunner = (commands: BatchCommand[], atomic: boolean) => Promise<BatchReplies | null>;

/**
 * A pipeline (or, `atomic`, a MULTI/EXEC transaction) that records commands
 * and sends them together on `exec()`. Recording first means no connection
 * is held while the caller builds it, and the whole batch is written at once,
 * so a MULTI's commands can never interleave with anyone else's.
 *
 * Each reply error is a typed redis-kit error (WRONGTYPE → WrongTypeError …).
 */
// biome-ignore lint/suspicious/noUnsafeDeclarationMerging: the interface merged below types the command methods installChainableCommands puts on the prototype.
export class Pipeline implements CommandRecorder {
  readonly #commands: BatchCommand[] = [];
  readonly #run: BatchRunner;
  readonly #atomic: boolean;
  #executed = false;

  constructor(run: BatchRunner, atomic: boolean) {
    this.#run = run;
    this.#atomic = atomic;
  }

  /** Commands recorded so far. */
  get length(): number {
    return this.#commands.length;
  }

  addCommand(name: string, args: unknown[], buffer: boolean): this {
    if (this.#executed) throw new InvalidArgumentError('this pipeline was already executed; create a new one');
    this.#commands.push([buffer ? `${name}Buffer` : name, ...args]);
    return this;
  }

  /**
   * Sends the batch. Resolves with `[error, reply]` per command; for a
   * transaction, `null` when a WATCHed key changed and EXEC was aborted.
   */
  async exec(): Promise<BatchReplies | null> {
    if (this.#executed) throw new InvalidArgumentError('this pipeline was already executed; create a new one');
    this.#executed = true;
    if (this.#commands.length === 0) return [];
    const replies = await this.#run(this.#commands, this.#atomic);
    if (replies === null) return null;
    return replies.map(([error, reply], i) => [error === null ? null : classifyError(error, this.#commands[i]?.[0]), reply]);
  }
}

installChainableCommands(Pipeline.prototype);

// Declaration merging gives the class every chainable command's type (each
// returns the pipeline); installChainableCommands gives the bodies.
export interface Pipeline extends ChainableCommander {}

/** The pipeline as callers see it: every command, chainable, typed by ioredis. */
export type ChainablePipeline = ChainableCommander & { exec(): Promise<BatchReplies | null>; readonly length: number };
