/** Ansible-style recap and per-task lines, shared by the plain and listr2 renderers. */
import {styleText} from 'node:util';
import type {RunReport, TaskOutcome} from '../engine/events.js';

type Color = Parameters<typeof styleText>[0];

export function paint(color: boolean) {
  return (style: Color, text: string) => (color ? styleText(style, text) : text);
}

const STATUS_STYLE: Record<TaskOutcome['status'], Color> = {ok: 'green', changed: 'yellow', skipped: 'cyan', failed: 'red'};

/** `changed: [host] task (item) - summary`, the way Ansible users read it. */
export function outcomeLine(outcome: TaskOutcome, check: boolean, color: boolean): string {
  const style = paint(color);
  if (outcome.warning) return `${style('magenta', `[WARNING] [${outcome.host}]`)} ${outcome.summary}`;
  const word = outcome.status === 'changed' && check ? 'would change' : outcome.status === 'failed' && outcome.ignored ? 'failed (ignored)' : outcome.status === 'failed' && outcome.rescued ? 'failed (rescued)' : outcome.status;
  const item = outcome.item === undefined ? '' : ` (item=${outcome.item})`;
  const handler = outcome.handler ? 'HANDLER ' : '';
  const line = `${style(STATUS_STYLE[outcome.status], `${word}: [${outcome.host}]`)} ${handler}${outcome.task}${item} - ${outcome.summary}`;
  const error = outcome.error;
  if (!error) return line;
  const details = [
    `  error[${error.code}] in task "${outcome.task}" (${outcome.pos.file}:${outcome.pos.line})`,
    error.at ? `  at: ${error.at}` : '',
    error.expected ? `  expected: ${error.expected}` : '',
    error.hint ? `  hint: ${error.hint}` : '',
  ];
  return [line, ...details.filter(Boolean)].join('\n');
}

export function colorDiff(diff: string, color: boolean): string {
  if (!color) return diff;
  return diff
    .split('\n')
    .map((line) => (line.startsWith('+') && !line.startsWith('+++') ? styleText('green', line) : line.startsWith('-') && !line.startsWith('---') ? styleText('red', line) : line.startsWith('@@') ? styleText('cyan', line) : line))
    .join('\n');
}

export function recapText(report: RunReport, color: boolean): string {
  const style = paint(color);
  const width = Math.max(10, ...report.hosts.map((h) => h.host.length));
  const lines = [`PLAY RECAP ${'*'.repeat(60)}`];
  for (const {host, stats, error} of report.hosts) {
    const bad = stats.failed > 0 || stats.unreachable > 0;
    const name = style(bad ? 'red' : stats.changed > 0 ? 'yellow' : 'green', host.padEnd(width));
    lines.push(
      `${name} : ok=${stats.ok}  changed=${stats.changed}  unreachable=${stats.unreachable}  failed=${stats.failed}  skipped=${stats.skipped}  rescued=${stats.rescued}  ignored=${stats.ignored}`,
    );
    if (error) lines.push(`${' '.repeat(width)}   ${style('red', `error[${error.code}]: ${error.message}`)}${error.hint ? `\n${' '.repeat(width)}   hint: ${error.hint}` : ''}`);
  }
  const verdict = report.check ? (report.drift ? 'drift found' : 'no drift') : '';
  lines.push(`${report.check ? 'check' : 'up'} finished in ${(report.ms / 1000).toFixed(2)} s${verdict ? ` - ${verdict}` : ''}`);
  return lines.join('\n');
}
