/** The text form of a power report: one line per machine. Secrets are masked (a message may quote ipmitool). */
import {maskSecrets} from '../config/redact.js';
import type {PowerReport} from './power.js';

export function powerText(report: PowerReport): string {
  const width = Math.max(...report.hosts.map((h) => h.host.length));
  return report.hosts
    .map((h) => {
      const what = h.ok
        ? report.action === 'status'
          ? `power ${h.power}`
          : h.done
        : `FAILED ${h.error?.code}: ${h.error?.message}`;
      const hint = !h.ok && h.error?.hint ? `\n${' '.repeat(width + 2)}hint: ${h.error.hint}` : '';
      return maskSecrets(`${h.host.padEnd(width)}  ${what}  (BMC ${h.bmc} via ${h.server})${hint}`);
    })
    .join('\n');
}
