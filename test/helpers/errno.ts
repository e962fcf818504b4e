/**
 * True when `err` is a Node.js system error with the given `code` (e.g. `ESRCH`, `ECONNRESET`).
 *
 * Several helpers must tell an expected race (the process is already gone) apart from a real
 * failure; checking the code keeps every other error visible.
 */
export function hasErrorCode(err: unknown, code: string): boolean {
  return typeof err === 'object' && err !== null && (err as NodeJS.ErrnoException).code === code;
}
