/**
 * The agent start timer with a fake clock: it expires after its limit of silence on a free event loop,
 * progress starts the count again, and time the loop spent blocked or queued is not counted.
 */
import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {ProgressTimer, type Clock} from '../../src/transport/progress-timer.js';

/** A clock whose timers fire only when the test says time passed; `late` delays each firing (a busy loop). */
class FakeClock implements Clock {
  time = 0;
  private timers: Array<{at: number; fn: () => void; id: number}> = [];
  private ids = 0;
  now = () => this.time;
  setTimeout = (fn: () => void, ms: number) => {
    this.timers.push({at: this.time + ms, fn, id: ++this.ids});
    return this.ids;
  };
  clearTimeout = (id: unknown) => {
    this.timers = this.timers.filter((t) => t.id !== id);
  };
  /** Lets `ms` pass; a due timer fires `late` ms after it was due (the loop was busy meanwhile). */
  advance(ms: number, late = 0): void {
    const end = this.time + ms;
    for (;;) {
      const next = this.timers.sort((a, b) => a.at - b.at)[0];
      if (!next || next.at + late > end) break;
      this.timers.shift();
      this.time = next.at + late;
      next.fn();
    }
    this.time = end;
  }
}

function timer(limitMs: number) {
  const clock = new FakeClock();
  const state = {expired: false};
  const t = new ProgressTimer(limitMs, () => (state.expired = true), clock, 250);
  return {clock, state, t};
}

describe('agent start timer', () => {
  it('expires after its limit of silence on a free event loop', () => {
    const {clock, state} = timer(10_000);
    clock.advance(9_900);
    assert.equal(state.expired, false);
    clock.advance(200);
    assert.equal(state.expired, true);
  });

  it('starts counting again at each byte from the host', () => {
    const {clock, state, t} = timer(10_000);
    for (let i = 0; i < 10; i++) {
      clock.advance(8_000);
      t.progress();
    }
    assert.equal(state.expired, false, '80 s of start-up, never 10 s of silence');
    clock.advance(10_100);
    assert.equal(state.expired, true);
  });

  it('does not count time the control side spent blocked', () => {
    const {clock, state} = timer(10_000);
    clock.advance(60_000, 20_000); // every tick comes 20 s late: the loop was busy with other hosts
    assert.equal(state.expired, false, `counted only each tick's own length over 60 s`);
  });

  it('counts a queued loop only for what each tick could see', () => {
    const {clock, state} = timer(10_000);
    clock.advance(11_500, 50); // ticks 50 ms late each: 250 of every 300 ms count, 38 ticks so far
    assert.equal(state.expired, false);
    clock.advance(1_000, 50);
    assert.equal(state.expired, true);
  });

  it('never fires once stopped', () => {
    const {clock, state, t} = timer(1_000);
    t.stop();
    clock.advance(5_000);
    assert.equal(state.expired, false);
  });
});
