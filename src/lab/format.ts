import type {BootResult} from './boot.js';
import type {LabStatus, LabUpResult} from './lab.js';

/** Human forms of the lab commands' results (--json prints the results themselves). */

export function formatLabUp(r: LabUpResult): string {
  return [
    `lab ${r.prefix} is up in ${r.seconds.toFixed(1)} s: root@${r.host} (key ${r.keyFile})`,
    `inventory written: ${r.inventory}`,
    `next: ${r.next}`,
  ].join('\n');
}

export function formatStatus(s: LabStatus): string {
  const yes = (b: boolean) => (b ? 'yes' : 'no');
  const lines = [`lab ${s.prefix}: ${s.exists ? `exists (${s.kind})` : 'not set up'}`];
  lines.push(
    `  host ${s.host.address}: running ${yes(s.host.running)}${s.host.pid ? ` (pid ${s.host.pid})` : ''}, ssh ${yes(s.host.sshReachable)}`,
  );
  for (const [ns, exists] of Object.entries(s.namespaces)) lines.push(`  netns ${ns}: ${yes(exists)}`);
  lines.push(`  root overlay mounted: ${yes(s.rootMounted)}`, `  NAT/forward rules: ${s.natRules}`);
  return lines.join('\n');
}

export function formatBoot(r: BootResult): string {
  const lines = [`${r.mode} client ${r.mac} (${r.pxe} PXE):`];
  let previous = 0;
  for (const s of r.steps) {
    lines.push(
      `  ${s.at.toFixed(1).padStart(5)} s  +${(s.at - previous).toFixed(1).padStart(4)}  ${s.step.padEnd(9)} ${s.line.slice(0, 90)}`,
    );
    previous = s.at;
  }
  lines.push(`${r.ok ? 'OK' : 'FAILED'}: ${r.verdict} (${r.seconds.toFixed(1)} s; console ${r.consoleLog})`);
  return lines.join('\n');
}
