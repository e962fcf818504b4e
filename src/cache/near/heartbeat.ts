/**
 * PINGs a connection at an interval and says when an answer is overdue.
 *
 * A silent network partition sends no FIN: without traffic a connection looks
 * alive while nothing arrives on it any more. A PING still unanswered at the
 * next beat means `missed()`; its late answer means `answered()`, and since
 * replies arrive in order, everything the server sent before it (every
 * invalidation) has been handled by then.
 */
export class Heartbeat {
  readonly #ping: () => Promise<unknown>;
  readonly #missed: () => void;
  readonly #answered: () => void;
  readonly #failed: (error: unknown) => void;
  #timer: NodeJS.Timeout | undefined;
  #intervalMs = 0;
  #outstanding = false;
  #overdue = false;
  /** Bumped by {@link reset}: an answer to a PING sent on an older connection counts for nothing. */
  #epoch = 0;

  constructor(options: { ping: () => Promise<unknown>; missed: () => void; answered: () => void; failed: (error: unknown) => void }) {
    this.#ping = options.ping;
    this.#missed = options.missed;
    this.#answered = options.answered;
    this.#failed = options.failed;
  }

  /** Beats every `ms` (0 stops). Timers are unref'ed: a heartbeat never keeps a process alive. */
  setInterval(ms: number): void {
    if (ms === this.#intervalMs) return;
    clearInterval(this.#timer);
    this.#timer = undefined;
    this.#intervalMs = ms;
    if (ms === 0) return;
    this.#timer = setInterval(() => this.#beat(), ms);
    this.#timer.unref();
  }

  /** The connection was replaced or lost: forget the PING in flight. */
  reset(): void {
    this.#epoch++;
    this.#outstanding = false;
    this.#overdue = false;
  }

  stop(): void {
    this.setInterval(0);
    this.reset();
  }

  #beat(): void {
    if (this.#outstanding) {
      if (!this.#overdue) {
        this.#overdue = true;
        this.#missed();
      }
      return;
    }
    const epoch = this.#epoch;
    this.#outstanding = true;
    this.#ping().then(
      () => {
        if (epoch !== this.#epoch) return;
        this.#outstanding = false;
        if (!this.#overdue) return;
        this.#overdue = false;
        this.#answered();
      },
      (error: unknown) => {
        if (epoch !== this.#epoch) return;
        // The connection failed under the PING; its 'lost' event resets us.
        this.#outstanding = false;
        this.#failed(error);
      },
    );
  }
}
