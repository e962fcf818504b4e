import { commandNames } from './command-table.js';

/** Something that can send a named command; the methods installed below call it. */
export interface CommandSink {
  sendCommand(name: string, args: unknown[], options?: { buffer?: boolean }): Promise<unknown>;
}

type Callback = (error: Error | null, reply?: unknown) => void;

/**
 * Puts one method per Redis command (`get`, `getBuffer`, …) on a prototype.
 * The types come from ioredis's `RedisCommander`; this supplies the bodies.
 * A trailing function argument is treated as a Node-style callback, as in
 * ioredis, so code written against it keeps working.
 */
export function installCommands(prototype: CommandSink, skip: ReadonlySet<string> = new Set()): void {
  for (const name of commandNames) {
    if (skip.has(name) || name.includes('-')) continue;
    define(prototype, name, name, false);
    define(prototype, `${name}Buffer`, name, true);
  }
}

function define(prototype: CommandSink, method: string, name: string, buffer: boolean): void {
  if (Object.hasOwn(prototype, method)) return;
  Object.defineProperty(prototype, method, {
    configurable: true,
    writable: true,
    value(this: CommandSink, ...args: unknown[]) {
      const last = args[args.length - 1];
      if (typeof last === 'function') {
        args.pop();
        const promise = this.sendCommand(name, args, buffer ? { buffer } : undefined);
        promise.then(
          (reply) => (last as Callback)(null, reply),
          (error: Error) => (last as Callback)(error),
        );
        return promise;
      }
      return this.sendCommand(name, args, buffer ? { buffer } : undefined);
    },
  });
}

/** Something that records commands for later (a pipeline or MULTI). */
export interface CommandRecorder {
  addCommand(name: string, args: unknown[], buffer: boolean): unknown;
}

/** Like {@link installCommands}, for chainable recorders: each method records and returns `this`. */
export function installChainableCommands(prototype: CommandRecorder): void {
  for (const name of commandNames) {
    if (name.includes('-')) continue;
    for (const [method, buffer] of [
      [name, false],
      [`${name}Buffer`, true],
    ] as const) {
      if (Object.hasOwn(prototype, method)) continue;
      Object.defineProperty(prototype, method, {
        configurable: true,
        writable: true,
        value(this: CommandRecorder, ...args: unknown[]) {
          this.addCommand(name, args, buffer);
          return this;
        },
      });
    }
  }
}
