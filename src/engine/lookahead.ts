/**
 * Speculative read-ahead: the reads of the coming tasks are sent together (pipelined on the agent's
 * channel). A read is valid only until something is applied or a variable changes; then the rest is
 * discarded and read again (planning from stale reads is a known pyinfra bug).
 */
export class Lookahead<T, R> {
  private pending = new Map<number, Promise<R>>();

  /** `prepare` must never reject: it captures its errors in its result. */
  constructor(
    private readonly items: readonly T[],
    private readonly prepare: (item: T) => Promise<R>,
    private readonly window = 64,
  ) {}

  get(index: number): Promise<R> {
    if (!this.pending.has(index)) {
      const end = Math.min(this.items.length, index + this.window);
      for (let next = index; next < end; next++) {
        if (!this.pending.has(next)) this.pending.set(next, this.prepare(this.items[next]!));
      }
    }
    const result = this.pending.get(index)!;
    this.pending.delete(index);
    return result;
  }

  /** Every item's result, preparing those not yet under way (they stay for get()). */
  all(): Promise<R[]> {
    this.items.forEach((item, index) => {
      if (!this.pending.has(index)) this.pending.set(index, this.prepare(item));
    });
    return Promise.all(this.items.map((_, index) => this.pending.get(index)!));
  }

  invalidate(): void {
    this.pending.clear();
  }
}
