/** How outcomes and the recap read, as Ansible users read them; shared by the plain and the listr2 renderer. */
import {styleText} from 'node:util';
import type {HostReport, RunReport, TaskOutcome} from '../engine/events.js';

type Color = Parameters<typeof styleText>[0];

export function paint(color: boolean) {
  return (style: Color, text: string) => (color ? styleText(style, text) : text);
}

const STATUS_STYLE: Record<TaskOutcome['status'], Color> = {
  ok: 'green',
  changed: 'yellow',
  skipped: 'cyan',
  failed: 'red',
};

/** Lines of a failed command's stdout and stderr shown with its failure. */
const OUTPUT_TAIL = 20;

export interface OutcomeStyle {
  check: boolean;
  color: boolean;
  /** -v: ok and skipped tasks too, with the module's result. */
  verbose: number;
  /** --profile: every task with its time. */
  profile: boolean;
}

/** Whether a task outcome is printed at all: changes, failures, warnings and debug always; the rest with -v or --profile. */
export function shown(outcome: TaskOutcome, style: OutcomeStyle): boolean {
  return (
    outcome.status === 'changed' ||
    outcome.status === 'failed' ||
    Boolean(outcome.warning || outcome.show) ||
    style.verbose > 0 ||
    style.profile
  );
}

/** The module's result without the flags every result has. */
function resultFields(result: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  if (!result) return undefined;
  const {changed: _changed, failed: _failed, ...rest} = result;
  return Object.keys(rest).length ? rest : undefined;
}

/**
 * `changed: [host] task (item) - summary`; debug as Ansible shows it (`ok: [host] task => {"msg": …}`); with -v
 * the result (`=> {"rc": 0, "stdout": …}`); a failure with where, expected, hint and a command's output tail.
 */
export function outcomeLine(outcome: TaskOutcome, style: OutcomeStyle): string {
  const paintIn = paint(style.color);
  const time = style.profile ? ` (${(outcome.ms / 1000).toFixed(2)}s)` : '';
  if (outcome.warning) return `${paintIn('magenta', `[WARNING] [${outcome.host}]`)} ${outcome.summary}${time}`;
  const word =
    outcome.status === 'changed' && style.check
      ? 'would change'
      : outcome.status === 'failed' && outcome.ignored
        ? 'failed (ignored)'
        : outcome.status === 'failed' && outcome.rescued
          ? 'failed (rescued)'
          : outcome.status;
  const item = outcome.item === undefined ? '' : ` (item=${outcome.item})`;
  const handler = outcome.handler ? 'HANDLER ' : '';
  const head = `${paintIn(STATUS_STYLE[outcome.status], `${word}: [${outcome.host}]`)} ${handler}${outcome.task}${item}`;
  const fields = resultFields(outcome.result);
  if (outcome.show && fields) return `${head}${time} => ${JSON.stringify(fields, null, 4)}`;
  const line = `${head} - ${outcome.summary}${time}${style.verbose > 0 && outcome.status !== 'failed' && fields ? ` => ${JSON.stringify(fields)}` : ''}`;
  const error = outcome.error;
  if (!error) return line;
  const details = [
    `  error[${error.code}] in task "${outcome.task}" (${outcome.pos.file}:${outcome.pos.line})`,
    error.at ? `  at: ${error.at}` : '',
    error.expected ? `  expected: ${error.expected}` : '',
    error.hint ? `  hint: ${error.hint}` : '',
    ...(['stdout', 'stderr'] as const).map((stream) => outputTail(stream, outcome.result?.[stream])),
  ];
  return [line, ...details.filter(Boolean)].join('\n');
}

/** The last lines of a failed command's stdout or stderr (already masked by the engine), indented. */
function outputTail(stream: string, text: unknown): string {
  if (typeof text !== 'string' || text === '') return '';
  const lines = text.split('\n');
  const tail = lines.slice(-OUTPUT_TAIL);
  const label = lines.length > tail.length ? `${stream} (last ${tail.length} of ${lines.length} lines)` : stream;
  return [`  ${label}:`, ...tail.map((l) => `    ${l}`)].join('\n');
}

export function colorDiff(diff: string, color: boolean): string {
  if (!color) return diff;
  return diff
    .split('\n')
    .map((line) =>
      line.startsWith('+') && !line.startsWith('+++')
        ? styleText('green', line)
        : line.startsWith('-') && !line.startsWith('---')
          ? styleText('red', line)
          : line.startsWith('@@')
            ? styleText('cyan', line)
            : line,
    )
    .join('\n');
}

/** --profile: the slowest tasks of the run, slowest first, as Ansible's profile_tasks lists them. */
export function slowestText(report: RunReport, count = 10): string {
  const tasks = report.hosts
    .flatMap((h) => h.tasks)
    .sort((a, b) => b.ms - a.ms)
    .slice(0, count);
  const labels = tasks.map(
    (t) => `${t.handler ? 'HANDLER ' : ''}${t.task}${t.item === undefined ? '' : ` (item=${t.item})`} [${t.host}]`,
  );
  const width = Math.max(0, ...labels.map((l) => l.length)) + 2;
  const lines = tasks.map((t, i) => `${labels[i]!.padEnd(width, ' ')}${(t.ms / 1000).toFixed(2).padStart(8)}s`);
  return [`SLOWEST TASKS ${'*'.repeat(57)}`, ...lines].join('\n');
}

/** A host's counts in one line (a listr2 row's last title, a progress line). */
export function hostRowTitle(report: HostReport): string {
  const {ok, changed, failed, unreachable} = report.stats;
  return `${report.host}: ok=${ok} changed=${changed}${failed ? ` failed=${failed}` : ''}${unreachable ? ' unreachable' : ''}`;
}

/** Whether a host failed or was unreachable. */
export function hostFailed(stats: {failed: number; unreachable: number}): boolean {
  return stats.failed > 0 || stats.unreachable > 0;
}

/** Above this many hosts the recap lists only the hosts that changed or failed, and a summary table follows. */
export const RECAP_EVERY_HOST_UP_TO = 20;
/** Host names a summary line lists before it says how many more there are. */
const NAMES_SHOWN = 12;

export function namesText(names: string[]): string {
  return names.length > NAMES_SHOWN
    ? `${names.slice(0, NAMES_SHOWN).join(', ')}, … (+${names.length - NAMES_SHOWN} more)`
    : names.join(', ');
}

/** Nothing to report: no change, no failure of any kind. */
function quiet(stats: HostReport['stats']): boolean {
  return (
    stats.changed === 0 && stats.failed === 0 && stats.unreachable === 0 && stats.rescued === 0 && stats.ignored === 0
  );
}

/**
 * A run of many hosts at a glance: how many are in each state, which ones (the first few names), and the
 * failures grouped by error code.
 */
export function summaryText(report: RunReport, color: boolean): string {
  const style = paint(color);
  const groups: [string, Color, HostReport[]][] = [
    ['unreachable', 'red', report.hosts.filter((h) => h.stats.unreachable > 0)],
    ['failed', 'red', report.hosts.filter((h) => h.stats.unreachable === 0 && h.stats.failed > 0)],
    [
      report.check ? 'would change' : 'changed',
      'yellow',
      report.hosts.filter((h) => !hostFailed(h.stats) && h.stats.changed > 0),
    ],
    ['ok, no change', 'green', report.hosts.filter((h) => !hostFailed(h.stats) && h.stats.changed === 0)],
  ];
  const width = Math.max(...groups.map(([label]) => label.length));
  const count = String(report.hosts.length).length;
  const lines = [
    `SUMMARY: ${report.hosts.length} hosts ${'*'.repeat(Math.max(3, 55 - String(report.hosts.length).length))}`,
  ];
  for (const [label, hue, hosts] of groups) {
    if (hosts.length === 0) continue;
    const names = hue === 'green' ? '' : `  ${namesText(hosts.map((h) => h.host))}`;
    lines.push(`${style(hue, label.padEnd(width))}  ${String(hosts.length).padStart(count)}${names}`);
  }
  const byCode = new Map<string, string[]>();
  for (const h of report.hosts) {
    // The host's own error (unreachable, locked), else the task failure that stopped it.
    const error = h.error ?? h.tasks.find((t) => t.status === 'failed' && !t.ignored && !t.rescued)?.error;
    if (error) byCode.set(error.code, [...(byCode.get(error.code) ?? []), h.host]);
  }
  if (byCode.size)
    lines.push(
      'errors:',
      ...[...byCode].map(([code, hosts]) => `  ${style('red', code)} (${hosts.length}): ${namesText(hosts)}`),
    );
  return lines.join('\n');
}

export function recapText(report: RunReport, color: boolean): string {
  const style = paint(color);
  const many = report.hosts.length > RECAP_EVERY_HOST_UP_TO;
  const listed = many ? report.hosts.filter((h) => !quiet(h.stats)) : report.hosts;
  const width = Math.max(10, ...listed.map((h) => h.host.length));
  const lines = [`PLAY RECAP ${'*'.repeat(60)}`];
  for (const {host, stats, error} of listed) {
    const name = style(hostFailed(stats) ? 'red' : stats.changed > 0 ? 'yellow' : 'green', host.padEnd(width));
    lines.push(
      `${name} : ok=${stats.ok}  changed=${stats.changed}  unreachable=${stats.unreachable}  failed=${stats.failed}  skipped=${stats.skipped}  rescued=${stats.rescued}  ignored=${stats.ignored}`,
    );
    if (error)
      lines.push(
        `${' '.repeat(width)}   ${style('red', `error[${error.code}]: ${error.message}`)}${error.hint ? `\n${' '.repeat(width)}   hint: ${error.hint}` : ''}`,
      );
  }
  if (many && listed.length < report.hosts.length)
    lines.push(
      `${report.hosts.length - listed.length} other host(s): ok, nothing ${report.check ? 'to change' : 'changed'}`,
    );
  if (many) lines.push('', summaryText(report, color));
  lines.push(
    `${report.check ? 'check' : 'up'} finished in ${(report.ms / 1000).toFixed(2)} s - ${verdict(report, style)}`,
  );
  return lines.join('\n');
}

/** The last word of a run. A host that failed is never summed up as "no drift" or "ok": nothing is known of it. */
function verdict(report: RunReport, style: ReturnType<typeof paint>): string {
  if (report.hosts.length === 0) return 'no host matched';
  const failed = report.hosts.filter((h) => hostFailed(h.stats)).map((h) => h.host);
  const parts: string[] = [];
  if (failed.length)
    parts.push(
      style('red', `${failed.length} of ${report.hosts.length} host(s) failed or unreachable: ${namesText(failed)}`),
    );
  if (report.check && report.drift) parts.push(style('yellow', 'drift found'));
  else if (report.check && failed.length < report.hosts.length)
    parts.push(failed.length ? 'no drift on the other hosts' : 'no drift');
  else if (!report.check && !failed.length) parts.push(`${report.hosts.length} host(s) ok`);
  return parts.join('; ');
}
