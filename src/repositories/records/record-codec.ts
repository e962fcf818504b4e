import type { Codec } from '../../cache/codecs/codec.js';
import { ValidationError } from '../../errors.js';
import type { StandardSchemaV1 } from '../standard-schema.js';
import type { OnInvalid } from './record-options.js';
import type { StoredData } from './record-backend.js';
import { validateWith } from './validate.js';

/** Marks stored data that was invalid and, with `onInvalid: 'miss'`, is to be treated as absent. */
export const INVALID: unique symbol = Symbol('redis-kit.invalidRecord');

/**
 * Values to stored data and back, through the schema both ways: a value is
 * validated before it is encoded, stored data is decoded and validated
 * before anyone sees it. Never puts the value or the stored data into an
 * error (a record may hold secrets): only the schema's issues.
 */
export class RecordCodec<T> {
  readonly #namespace: string;
  readonly #schema: StandardSchemaV1;
  readonly #codec: Codec<unknown>;
  readonly #onInvalid: OnInvalid;
  readonly #countInvalid: () => void;

  constructor(namespace: string, schema: StandardSchemaV1, codec: Codec<unknown>, onInvalid: OnInvalid, countInvalid: () => void) {
    this.#namespace = namespace;
    this.#schema = schema;
    this.#codec = codec;
    this.#onInvalid = onInvalid;
    this.#countInvalid = countInvalid;
  }

  /** Whether stored data comes back as a Buffer. */
  get binary(): boolean {
    return this.#codec.binary;
  }

  /** Validates `value` and encodes the schema's output; rejects with ValidationError (nothing is written). */
  async encode(value: unknown): Promise<{ value: T; data: StoredData }> {
    // The schema is the repository's S, whose output is T by definition of the type parameter.
    const output = (await validateWith(this.#schema, value, `${this.#namespace}: the record to write`)) as T;
    let data: StoredData;
    try {
      data = this.#codec.encode(output);
    } catch (error) {
      const message = `the ${this.#codec.name} codec cannot encode the record`;
      throw new ValidationError(`${this.#namespace}: ${message}`, [{ message }], { cause: error });
    }
    return { value: output, data };
  }

  /**
   * Decodes and validates stored data. Invalid data is counted, then either
   * rejects with ValidationError or (`onInvalid: 'miss'`) yields {@link INVALID}.
   */
  async decode(data: StoredData): Promise<T | typeof INVALID> {
    try {
      return (await validateWith(this.#schema, this.#decodeRaw(data), `${this.#namespace}: a stored record`)) as T;
    } catch (error) {
      this.#countInvalid();
      if (this.#onInvalid === 'miss') return INVALID;
      throw error;
    }
  }

  /** The codec's value without the schema, for reading unique fields of old or foreign records; undefined when it does not decode. */
  peek(data: StoredData): unknown {
    try {
      return this.#codec.decode(data);
    } catch {
      // Unreadable data holds no unique value; the callers treat it as holding none.
      return undefined;
    }
  }

  #decodeRaw(data: StoredData): unknown {
    try {
      return this.#codec.decode(data);
    } catch {
      // The codec's message may quote the data (JSON.parse does): it stays out of the error.
      const message = `stored data is not valid ${this.#codec.name}`;
      throw new ValidationError(`${this.#namespace}: ${message}`, [{ message }]);
    }
  }
}
