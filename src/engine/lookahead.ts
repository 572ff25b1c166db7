/**
 * Speculative read-ahead: the reads of the coming tasks are sent together (pipelined on the agent's
 * channel). A read is valid only until something is applied or a variable changes; then the rest is
 * discarded and read again (planning from stale reads is a known pyinfra bug).
 */
export class Lookahead<T, R> {
  private pending = new Map<number, Promise<R>>();

  /**
   * `prepare` must never reject: it captures its errors in its result. `speculative` is true when the
   * item is read ahead of its turn; `eager(item)` false keeps an item (a slow read) out of read-ahead.
   */
  constructor(
    private readonly items: readonly T[],
    private readonly prepare: (item: T) => Promise<R>,
    private readonly eager: (item: T) => boolean = () => true,
    private readonly window = 64,
  ) {}

  get(index: number): Promise<R> {
    if (!this.pending.has(index)) this.pending.set(index, this.prepare(this.items[index]!));
    const end = Math.min(this.items.length, index + this.window);
    for (let next = index + 1; next < end; next++) {
      if (!this.pending.has(next) && this.eager(this.items[next]!))
        this.pending.set(next, this.prepare(this.items[next]!));
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
