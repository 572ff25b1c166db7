/** Plain lines for CI and pipes: one line per task outcome on stderr, diffs when asked, the recap at the end. */
import type {EngineEvent} from '../engine/events.js';
import {colorDiff, outcomeLine, recapText} from './recap.js';
import {retryLine} from './retry.js';

export interface RenderOptions {
  /** Show unified diffs (--diff, and always in check). */
  diff: boolean;
  /** -v: show ok and skipped tasks too. */
  verbose: number;
  color: boolean;
  write(text: string): void;
}

export function plainRenderer(options: RenderOptions): (event: EngineEvent) => void {
  let check = false;
  return (event) => {
    switch (event.type) {
      case 'run-start':
        check = event.check;
        options.write(`${check ? 'check' : 'up'}: ${event.playbook} on ${event.hosts.length} host(s): ${event.hosts.join(', ')}\n`);
        break;
      case 'task-done': {
        const {outcome} = event;
        if (outcome.status === 'changed' || outcome.status === 'failed' || outcome.warning || options.verbose > 0) {
          options.write(outcomeLine(outcome, check, options.color) + '\n');
        }
        if (outcome.diff && options.diff) options.write(colorDiff(outcome.diff, options.color).replace(/\n?$/, '\n'));
        break;
      }
      case 'task-retry':
        options.write(retryLine(event) + '\n');
        break;
      case 'run-done':
        options.write('\n' + recapText(event.report, options.color) + '\n');
        break;
      default:
        break;
    }
  };
}
