/**
 * listr2 on a TTY (stderr): one row per host with the task in progress, a red ✖ for a host that failed or was
 * unreachable. Outcomes, diffs and the recap go to stdout once all hosts are done.
 */
import {Listr, ProcessOutput, type ListrRendererFactory, type ListrTaskWrapper} from 'listr2';
import type {EngineEvent, HostReport} from '../engine/events.js';
import {endText, outcomeText, warningLine, type RenderOptions} from './plain.js';
import {hostFailed, hostRowTitle} from './recap.js';
import {retryLine} from './retry.js';
import type {Renderer} from './renderer.js';

export function listrRenderer(options: RenderOptions): Renderer {
  const rows = new Map<string, ListrTaskWrapper<unknown, ListrRendererFactory, ListrRendererFactory>>();
  const finished = new Map<string, {promise: Promise<HostReport>; resolve(report: HostReport): void}>();
  let after = '';
  let check = false;
  let running: Promise<unknown> = Promise.resolve();
  let end = '';

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
            task: async (_ctx: unknown, row: ListrTaskWrapper<unknown, ListrRendererFactory, ListrRendererFactory>) => {
              rows.set(host, row);
              const report = await finished.get(host)!.promise;
              row.title = hostRowTitle(report);
              // Throwing is how listr2 marks a row failed (red ✖).
              if (hostFailed(report.stats)) throw new Error(`${hostRowTitle(report)}${report.error ? `: ${report.error.message}` : ''}`);
            },
          })),
          {concurrent: true, exitOnError: false, registerSignalListeners: false, rendererOptions: {collapseErrors: false}, processOutput: new ProcessOutput(process.stderr, process.stderr)} as never,
        );
        // A failed row is how listr2 draws a failed host; the report carries the error itself.
        running = list.run().catch(() => undefined);
        break;
      }
      case 'warning':
        options.progress(warningLine(event.message, options.color) + '\n');
        break;
      case 'task-start':
        if (rows.get(event.host)) rows.get(event.host)!.title = `${event.host}: ${event.handler ? 'handler ' : ''}${event.task}`;
        break;
      case 'task-done':
        after += outcomeText(event, check, options);
        break;
      case 'task-retry':
        if (rows.get(event.host)) rows.get(event.host)!.title = retryLine(event);
        break;
      case 'host-done':
        finished.get(event.report.host)?.resolve(event.report);
        break;
      case 'run-done':
        end = endText(event.report, options);
        break;
      default:
        break;
    }
  };

  return {
    handle,
    async finish() {
      await running;
      options.write(after + end);
    },
  };
}
