/**
 * Runs a caller's callback (an event listener, a logger, an error handler)
 * so that a throw cannot break redis-kit's bookkeeping around it: the error
 * is rethrown on its own tick, where it surfaces as an uncaught exception
 * instead of being swallowed.
 */
export function callSafely(callback: () => void): void {
  try {
    callback();
  } catch (error) {
    queueMicrotask(() => {
      throw error;
    });
  }
}
