import type { Codec } from '../../cache/codecs/codec.js';
import { InvalidArgumentError, ValidationError, type ValidationIssue } from '../../errors.js';
import type { InferOutput, StandardSchemaV1 } from '../standard-schema.js';
import { entryTimestamp } from './entry-ids.js';
import type { RawEntry } from './log-backend.js';
import type { LogEntry } from './types.js';

/** Turns entries into stored data and back, through the schema both ways. */
export class EntryCodec<S extends StandardSchemaV1> {
  readonly #schema: S;
  readonly #codec: Codec<unknown>;
  /** Names the log in messages: `message log 'chat'`. */
  readonly #label: string;

  constructor(schema: S, codec: Codec<unknown>, label: string) {
    this.#schema = schema;
    this.#codec = codec;
    this.#label = label;
  }

  /**
   * What `append` stores for `entry`: the schema's output, encoded.
   *
   * @throws {ValidationError} the schema refused it (nothing is written).
   * @throws {InvalidArgumentError} the codec cannot encode what the schema returned.
   */
  async encode(logId: string, entry: unknown): Promise<string | Buffer> {
    const result = await this.#schema['~standard'].validate(entry);
    if (result.issues !== undefined) {
      throw new ValidationError(
        `${this.#label}: the entry for log ${quote(logId)} was refused by the schema (nothing was written): ${summary(result.issues)}`,
        result.issues,
      );
    }
    try {
      return this.#codec.encode(result.value);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new InvalidArgumentError(
        `${this.#label}: the ${this.#codec.name} codec cannot encode the entry for log ${quote(logId)}: ${reason}`,
      );
    }
  }

  /**
   * A stored entry back as the schema's output.
   *
   * @throws {ValidationError} the data is not the codec's, or no longer matches the schema.
   */
  async decode(logId: string, raw: RawEntry): Promise<LogEntry<InferOutput<S>>> {
    const where = `${this.#label}: entry ${raw.id} of log ${quote(logId)}`;
    if (raw.data === undefined) {
      throw new ValidationError(`${where} has no value field: it was not written by a message log`, [{ message: 'no value field' }]);
    }
    let decoded: unknown;
    try {
      decoded = this.#codec.decode(raw.data);
    } catch (error) {
      const message = `not ${this.#codec.name} data`;
      throw new ValidationError(`${where} is ${message}`, [{ message }], { cause: error });
    }
    const result = await this.#schema['~standard'].validate(decoded);
    if (result.issues !== undefined) {
      throw new ValidationError(`${where} no longer matches the schema: ${summary(result.issues)}`, result.issues);
    }
    return { id: raw.id, timestamp: entryTimestamp(raw.id), value: result.value };
  }
}

/** The first few issues in words, with their paths; never the value itself. */
function summary(issues: readonly ValidationIssue[]): string {
  const shown = issues.slice(0, 3).map((issue) => {
    const path = (issue.path ?? []).map((part) => String(typeof part === 'object' ? part.key : part)).join('.');
    return path === '' ? issue.message : `${path}: ${issue.message}`;
  });
  return shown.join('; ') + (issues.length > 3 ? ` (and ${issues.length - 3} more)` : '');
}

/** A log id in a message: quoted, and cut short (ids are caller input and may be long). */
export function quote(logId: string): string {
  return JSON.stringify(logId.length > 64 ? `${logId.slice(0, 64)}…` : logId);
}
