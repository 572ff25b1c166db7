/** A long transfer in one line, as rsync --info=progress2 shows it: bytes done, share, rate, time left. Pure. */
import type {EngineEvent} from '../engine/events.js';

type Progress = Extract<EngineEvent, {type: 'task-progress'}>;

/** The plain renderer's pace: a line per transfer every this many ms of the transfer, and its last one. */
export const PLAIN_PROGRESS_EVERY_MS = 5000;

export function bytesText(bytes: number): string {
  if (bytes >= 1e9) return `${(bytes / 1e9).toFixed(2)} GB`;
  if (bytes >= 1e6) return `${(bytes / 1e6).toFixed(1)} MB`;
  if (bytes >= 1e3) return `${(bytes / 1e3).toFixed(1)} kB`;
  return `${bytes} B`;
}

function clock(seconds: number): string {
  const s = Math.ceil(seconds);
  return `${Math.floor(s / 3600)}:${String(Math.floor(s / 60) % 60).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
}

/** "350.0 MB of 700.0 MB  50%  100.0 MB/s  0:00:04 left"; at the end "… done in 0:00:07". */
export function transferText(done: number, total: number, ms: number): string {
  const share = total > 0 ? Math.floor((done / total) * 100) : 100;
  const rate = ms > 0 ? done / (ms / 1000) : undefined;
  const head = `${bytesText(done)} of ${bytesText(total)}  ${share}%  ${rate === undefined ? '-' : `${bytesText(rate)}/s`}`;
  if (done >= total) return `${head}  done in ${clock(ms / 1000)}`;
  return `${head}  ${rate ? `${clock((total - done) / rate)} left` : 'starting'}`;
}

/** What a progress event is about: "media (item=centos7)". */
export function progressSubject(event: Progress): string {
  return `${event.task}${event.item === undefined ? '' : ` (item=${event.item})`}`;
}

/**
 * The plain renderer's choice: print this event or not. A line every PLAIN_PROGRESS_EVERY_MS of each transfer
 * (by the transfer's own clock, so the pace does not depend on when events are handled) and its last line.
 */
export function plainProgressPacer(): (event: Progress) => boolean {
  const printed = new Map<string, number>();
  return (event) => {
    const key = `${event.host}\0${event.task}\0${event.item ?? ''}`;
    const last = printed.get(key);
    // A transfer that starts again (a retry) starts its own pace.
    const since = last === undefined || event.ms < last ? 0 : last;
    if (event.done < event.total && event.ms - since < PLAIN_PROGRESS_EVERY_MS) return false;
    printed.set(key, event.ms);
    return true;
  };
}
