/** One doctor check's result. */
export type CheckStatus = 'pass' | 'warn' | 'fail';

export interface CheckResult {
  /** Short and stable (`dns`, `tcp`, `auth`…), for scripts reading `--json`. */
  readonly name: string;
  readonly status: CheckStatus;
  /** What was found; never a secret. */
  readonly detail: string;
  /** What to do about a warn or fail. */
  readonly fix?: string;
}

export const pass = (name: string, detail: string): CheckResult => ({ name, status: 'pass', detail });
export const warn = (name: string, detail: string, fix: string): CheckResult => ({ name, status: 'warn', detail, fix });
export const fail = (name: string, detail: string, fix: string): CheckResult => ({ name, status: 'fail', detail, fix });

/** An error as a short phrase: its errno code or RedisKitError code, and its message. */
export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = 'code' in error && typeof error.code === 'string' ? error.code : undefined;
  return code === undefined || error.message.includes(code) ? error.message : `${code}: ${error.message}`;
}
