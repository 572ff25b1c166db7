/**
 * listr2 on a TTY (stderr): one row per host with the task in progress (a long transfer shows its bytes, rate and
 * time left), a red ✖ for a host that failed or was unreachable. More hosts than the terminal has rows for: one
 * row that counts the hosts done, failed and running, and shows the latest activity. Outcomes, diffs (grouped by
 * host) and the recap go to stdout once all hosts are done.
 */
import {Listr, ProcessOutput, type ListrRendererFactory, type ListrTaskWrapper} from 'listr2';
import type {EngineEvent, HostReport} from '../engine/events.js';
import {endText, outcomeText, warningLine, type RenderOptions} from './plain.js';
import {progressSubject, transferText} from './progress.js';
import {hostFailed, hostRowTitle} from './recap.js';
import {retryLine} from './retry.js';
import type {Renderer} from './renderer.js';

type Row = ListrTaskWrapper<unknown, ListrRendererFactory, ListrRendererFactory>;

/** Rows the terminal can show besides listr2's own lines. */
function rowBudget(): number {
  return Math.max(5, (process.stderr.rows ?? 24) - 4);
}

/** A row's title while its host works: the task, or a transfer's progress. */
export function activityTitle(
  event: Extract<EngineEvent, {type: 'task-start' | 'task-progress' | 'task-retry'}>,
): string {
  if (event.type === 'task-retry') return retryLine(event);
  if (event.type === 'task-progress')
    return `${event.host}: ${progressSubject(event)}: ${transferText(event.done, event.total, event.ms)}`;
  return `${event.host}: ${event.handler ? 'handler ' : ''}${event.task}`;
}

/** The one row of a run with more hosts than rows: "37/200 hosts done, 1 failed, 50 running · f088: template conf03". */
export function fleetTitle(total: number, reports: HostReport[], running: number, latest: string): string {
  const failed = reports.filter((r) => hostFailed(r.stats)).length;
  return `${reports.length}/${total} hosts done${failed ? `, ${failed} failed` : ''}${running ? `, ${running} running` : ''}${latest ? ` · ${latest}` : ''}`;
}

export function listrRenderer(options: RenderOptions): Renderer {
  const rows = new Map<string, Row>();
  const finished = new Map<string, {promise: Promise<HostReport>; resolve(report: HostReport): void}>();
  const results = new Map<string, string>();
  let hosts: string[] = [];
  let check = false;
  let running: Promise<unknown> = Promise.resolve();
  let end = '';
  // Many hosts: the single row and what it counts.
  let fleet: {row?: Row; reports: HostReport[]; running: Set<string>; latest: string} | undefined;

  const show = (host: string, title: string) => {
    if (fleet) {
      fleet.latest = title;
      if (fleet.row) fleet.row.title = fleetTitle(hosts.length, fleet.reports, fleet.running.size, title);
    } else if (rows.get(host)) rows.get(host)!.title = title;
  };

  const handle = (event: EngineEvent) => {
    switch (event.type) {
      case 'run-start': {
        check = event.check;
        hosts = event.hosts;
        for (const host of hosts) {
          let resolve!: (report: HostReport) => void;
          finished.set(host, {promise: new Promise<HostReport>((r) => (resolve = r)), resolve});
        }
        const hostRow = (host: string) => ({
          title: host,
          task: async (_ctx: unknown, row: Row) => {
            rows.set(host, row);
            const report = await finished.get(host)!.promise;
            row.title = hostRowTitle(report);
            // Throwing is how listr2 marks a row failed (red ✖).
            if (hostFailed(report.stats))
              throw new Error(`${hostRowTitle(report)}${report.error ? `: ${report.error.message}` : ''}`);
          },
        });
        fleet = hosts.length > rowBudget() ? {reports: [], running: new Set(), latest: ''} : undefined;
        const fleetRow = {
          title: fleetTitle(hosts.length, [], 0, ''),
          task: async (_ctx: unknown, row: Row) => {
            fleet!.row = row;
            const reports = await Promise.all(hosts.map((host) => finished.get(host)!.promise));
            row.title = fleetTitle(hosts.length, reports, 0, '');
            if (reports.some((r) => hostFailed(r.stats))) throw new Error(row.title);
          },
        };
        const list = new Listr(fleet ? [fleetRow] : hosts.map(hostRow), {
          concurrent: true,
          exitOnError: false,
          registerSignalListeners: false,
          rendererOptions: {collapseErrors: false},
          processOutput: new ProcessOutput(process.stderr, process.stderr),
        } as never);
        // A failed row is how listr2 draws a failed host; the report carries the error itself.
        running = list.run().catch(() => undefined);
        break;
      }
      case 'warning':
        options.progress(warningLine(event.message, options.color) + '\n');
        break;
      case 'host-start':
        fleet?.running.add(event.host);
        break;
      case 'task-start':
      case 'task-progress':
      case 'task-retry':
        show(event.host, activityTitle(event));
        break;
      case 'task-done':
        results.set(event.outcome.host, (results.get(event.outcome.host) ?? '') + outcomeText(event, check, options));
        break;
      case 'host-done':
        if (fleet) {
          fleet.running.delete(event.report.host);
          fleet.reports.push(event.report);
          show(event.report.host, fleet.latest);
        }
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
      options.write(hosts.map((host) => results.get(host) ?? '').join('') + end);
    },
  };
}
