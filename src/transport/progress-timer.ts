/**
 * A timeout that holds against a host only the time the control side was free to notice progress.
 * It ticks; each tick adds at most one tick's worth of waiting, so time the event loop spent blocked or
 * queued (dozens of handshakes at once on a busy machine) is not counted. Progress (a byte from the
 * host) starts the count again. Pure apart from its clock, which tests replace.
 */

export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

// Unref'd: a timer alone never keeps pxeprov running; the connection it watches does.
const systemClock: Clock = {
  now: () => performance.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms).unref(),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

export class ProgressTimer {
  private waited = 0;
  private last: number;
  private handle: unknown;
  private done = false;

  constructor(
    readonly limitMs: number,
    private readonly expired: () => void,
    private readonly clock: Clock = systemClock,
    private readonly tickMs = Math.min(250, limitMs),
  ) {
    this.last = clock.now();
    this.schedule();
  }

  /** Something arrived: the host is alive, count from zero. */
  progress(): void {
    this.waited = 0;
    this.last = this.clock.now();
  }

  stop(): void {
    this.done = true;
    this.clock.clearTimeout(this.handle);
  }

  private schedule(): void {
    this.handle = this.clock.setTimeout(() => this.tick(), this.tickMs);
  }

  private tick(): void {
    if (this.done) return;
    const now = this.clock.now();
    // A tick that comes late was queued behind other work: only its own length counts.
    this.waited += Math.min(now - this.last, this.tickMs);
    this.last = now;
    if (this.waited < this.limitMs) return this.schedule();
    this.done = true;
    this.expired();
  }
}
