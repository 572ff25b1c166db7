/**
 * Plain lines for CI and pipes: results (outcomes, diffs, the recap) on stdout; progress (the run's hosts, each
 * host's end, long transfers every few seconds) and warnings on stderr. With several hosts, each host's outcomes
 * and diffs come together when the host is done, not interleaved with the others'.
 */
import type {EngineEvent} from '../engine/events.js';
import {plainProgressPacer, progressSubject, transferText} from './progress.js';
import {colorDiff, hostFailed, hostRowTitle, namesText, outcomeLine, recapText, shown, slowestText} from './recap.js';
import {retryLine} from './retry.js';

export interface RenderOptions {
  /** Show unified diffs (--diff, and always in check). */
  diff: boolean;
  /** -v: show ok and skipped tasks too, with their results. */
  verbose: number;
  /** --profile: every task with its time, and the slowest tasks at the end. */
  profile: boolean;
  color: boolean;
  /** Results: stdout. */
  write(text: string): void;
  /** Progress and warnings: stderr. */
  progress(text: string): void;
}

/** `[WARNING]: …` as Ansible prints it. */
export function warningLine(message: string, color: boolean): string {
  return color ? `\x1b[35m[WARNING]: ${message}\x1b[39m` : `[WARNING]: ${message}`;
}

/** An outcome (and its diff when asked) as text, or '' when it is not shown. */
export function outcomeText(
  event: Extract<EngineEvent, {type: 'task-done'}>,
  check: boolean,
  options: RenderOptions,
): string {
  const {outcome} = event;
  const style = {check, color: options.color, verbose: options.verbose, profile: options.profile};
  const lines: string[] = [];
  if (shown(outcome, style)) lines.push(outcomeLine(outcome, style));
  if (outcome.diff && options.diff) lines.push(colorDiff(outcome.diff.replace(/\n$/, ''), options.color));
  return lines.map((l) => `${l}\n`).join('');
}

/** The end of a run: the slowest tasks with --profile, then the recap. */
export function endText(report: Extract<EngineEvent, {type: 'run-done'}>['report'], options: RenderOptions): string {
  return `\n${options.profile ? `${slowestText(report)}\n\n` : ''}${recapText(report, options.color)}\n`;
}

/** A transfer's progress line: "[pxe1] media (item=centos7): 350.0 MB of 700.0 MB  50%  100.0 MB/s  0:00:04 left". */
export function progressLine(event: Extract<EngineEvent, {type: 'task-progress'}>): string {
  return `[${event.host}] ${progressSubject(event)}: ${transferText(event.done, event.total, event.ms)}`;
}

export function plainRenderer(options: RenderOptions): (event: EngineEvent) => void {
  let check = false;
  // Several hosts: each host's results wait for its end, then come out together.
  let held: Map<string, string> | undefined;
  const result = (host: string, text: string) => {
    if (held) held.set(host, (held.get(host) ?? '') + text);
    else options.write(text);
  };
  const paced = plainProgressPacer();
  return (event) => {
    switch (event.type) {
      case 'run-start':
        check = event.check;
        held = event.hosts.length > 1 ? new Map() : undefined;
        options.progress(
          `${check ? 'check' : 'up'}: ${event.playbook} on ${event.hosts.length} host(s): ${namesText(event.hosts)}\n`,
        );
        break;
      case 'warning':
        options.progress(warningLine(event.message, options.color) + '\n');
        break;
      case 'task-done':
        result(event.outcome.host, outcomeText(event, check, options));
        break;
      case 'task-progress':
        if (paced(event)) options.progress(progressLine(event) + '\n');
        break;
      case 'host-done':
        options.write(held?.get(event.report.host) ?? '');
        held?.delete(event.report.host);
        options.progress(
          `${hostRowTitle(event.report)} (${hostFailed(event.report.stats) ? 'failed' : 'done'} in ${(event.report.ms / 1000).toFixed(2)} s)\n`,
        );
        break;
      case 'task-retry':
        result(event.host, retryLine(event) + '\n');
        break;
      case 'run-done':
        options.write(endText(event.report, options));
        break;
      default:
        break;
    }
  };
}
