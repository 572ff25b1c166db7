/**
 * Plain lines for CI and pipes: results (outcomes, diffs, the recap) on stdout; progress (the run's hosts, each
 * host's end) and warnings on stderr.
 */
import type {EngineEvent} from '../engine/events.js';
import {colorDiff, hostFailed, hostRowTitle, outcomeLine, recapText, shown, slowestText} from './recap.js';
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
export function outcomeText(event: Extract<EngineEvent, {type: 'task-done'}>, check: boolean, options: RenderOptions): string {
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

export function plainRenderer(options: RenderOptions): (event: EngineEvent) => void {
  let check = false;
  return (event) => {
    switch (event.type) {
      case 'run-start':
        check = event.check;
        options.progress(`${check ? 'check' : 'up'}: ${event.playbook} on ${event.hosts.length} host(s): ${event.hosts.join(', ')}\n`);
        break;
      case 'warning':
        options.progress(warningLine(event.message, options.color) + '\n');
        break;
      case 'task-done':
        options.write(outcomeText(event, check, options));
        break;
      case 'host-done':
        options.progress(`${hostRowTitle(event.report)} (${hostFailed(event.report.stats) ? 'failed' : 'done'} in ${(event.report.ms / 1000).toFixed(2)} s)\n`);
        break;
      case 'task-retry':
        options.write(retryLine(event) + '\n');
        break;
      case 'run-done':
        options.write(endText(event.report, options));
        break;
      default:
        break;
    }
  };
}
