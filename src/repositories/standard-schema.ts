/**
 * Standard Schema v1 (https://standardschema.dev), the types only: the
 * interface zod, valibot, arktype and others implement, so repositories
 * accept whichever validator a user already has without depending on any.
 * Written here rather than imported: the spec asks implementers to copy it.
 */

/** A validator: `schema['~standard'].validate(value)` returns the parsed value or the issues. */
export interface StandardSchemaV1<Input = unknown, Output = Input> {
  readonly '~standard': {
    readonly version: 1;
    readonly vendor: string;
    validate(value: unknown): StandardResult<Output> | Promise<StandardResult<Output>>;
    readonly types?: { readonly input: Input; readonly output: Output } | undefined;
  };
}

/** What `validate` returns: the (possibly transformed) value, or why it was refused. */
export type StandardResult<Output> =
  | { readonly value: Output; readonly issues?: undefined }
  | { readonly issues: ReadonlyArray<StandardIssue> };

/** One reason a value was refused, with where in the value it was found. */
export interface StandardIssue {
  readonly message: string;
  readonly path?: ReadonlyArray<PropertyKey | { readonly key: PropertyKey }> | undefined;
}

/** The type a schema's `validate` produces: the record or entry type of a repository. */
export type InferOutput<S extends StandardSchemaV1> = NonNullable<S['~standard']['types']>['output'];

/** The type a schema accepts: what `put` and `create` take (equal to the output unless the schema transforms). */
export type InferInput<S extends StandardSchemaV1> = NonNullable<S['~standard']['types']>['input'];
