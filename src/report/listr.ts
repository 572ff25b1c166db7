/** listr2 on a TTY: one row per host with the task in progress; diffs and the recap once all hosts are done. */
import {Listr, ProcessOutput, type ListrTaskWrapper} from 'listr2';
import type {EngineEvent, HostReport} from '../engine/events.js';
import type {RenderOptions} from './plain.js';
import {colorDiff, outcomeLine, recapText} from './recap.js';
import {retryLine} from './retry.js';
import type {Renderer} from './renderer.js';

export function listrRenderer(options: RenderOptions): Renderer {
  const rows = new Map<string, ListrTaskWrapper<unknown, any, any>>();
  const finished = new Map<string, {promise: Promise<HostReport>; resolve(report: HostReport): void}>();
  const after: string[] = [];
  let check = false;
  let running: Promise<unknown> = Promise.resolve();
  let recap = '';

  const handle = (event: EngineEvent) => {
    switch (event.type) {
      case 'run-start': {
        check = event.check;
        for (const host of event.hosts) {
          let resolve!: (report: HostReport) => void;
          finished.set(host, {promise: new Promise<HostReport>((r) => (resolve = r)), resolve});
        }
        const list = new Listr(
          event.hosts.map((host) => ({
            title: host,
            task: async (_ctx: unknown, row: ListrTaskWrapper<unknown, any, any>) => {
              rows.set(host, row);
              const report = await finished.get(host)!.promise;
              const {ok, changed, failed, unreachable} = report.stats;
              row.title = `${host}: ok=${ok} changed=${changed}${failed ? ` failed=${failed}` : ''}${unreachable ? ' unreachable' : ''}`;
              if (report.error) throw new Error(`${host}: ${report.error.message}`);
            },
          })),
          {concurrent: true, exitOnError: false, registerSignalListeners: false, rendererOptions: {collapseErrors: false}, processOutput: new ProcessOutput(process.stderr, process.stderr)} as never,
        );
        running = list.run().catch(() => undefined);
        break;
      }
      case 'task-start':
        if (rows.get(event.host)) rows.get(event.host)!.title = `${event.host}: ${event.handler ? 'handler ' : ''}${event.task}`;
        break;
      case 'task-done': {
        const {outcome} = event;
        if (outcome.status === 'changed' || outcome.status === 'failed' || outcome.warning || options.verbose > 0) after.push(outcomeLine(outcome, check, options.color));
        if (outcome.diff && options.diff) after.push(colorDiff(outcome.diff.replace(/\n$/, ''), options.color));
        break;
      }
      case 'task-retry':
        if (rows.get(event.host)) rows.get(event.host)!.title = retryLine(event);
        break;
      case 'host-done':
        finished.get(event.report.host)?.resolve(event.report);
        break;
      case 'run-done':
        recap = recapText(event.report, options.color);
        break;
      default:
        break;
    }
  };

  return {
    handle,
    async finish() {
      await running;
      options.write([...after, '', recap].join('\n') + '\n');
    },
  };
}
