/** A transfer's byte counts as task-progress events: at most one every PROGRESS_EVERY_MS, and always the last. */
import {performance} from 'node:perf_hooks';
import type {Emit} from './events.js';

export const PROGRESS_EVERY_MS = 250;

export interface ProgressOf {
  host: string;
  play: string;
  task: string;
  item?: string;
}

export function progressEmitter(
  emit: Emit,
  of: ProgressOf,
  now: () => number = () => performance.now(),
): (done: number, total: number) => void {
  let started: number | undefined;
  let last = -Infinity;
  return (done, total) => {
    const at = now();
    started ??= at;
    if (done < total && at - last < PROGRESS_EVERY_MS) return;
    last = at;
    emit({
      type: 'task-progress',
      ...of,
      ...(of.item === undefined ? {} : {item: of.item}),
      done,
      total,
      ms: Math.round(at - started),
    });
  };
}
