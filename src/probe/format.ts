import type {ProbeReport} from './probe.js';

/** The human form of a probe report: offers, each step with a mark, warnings, the verdict. */
export function formatProbe(r: ProbeReport): string {
  const lines = [`probe on ${r.iface} as ${r.arch} client ${r.mac} (uuid ${r.uuid})`];
  for (const o of r.offers) {
    const boot = o.bootfileName ?? o.file;
    lines.push(
      `  offer${o.proxy ? ' (ProxyDHCP)' : ''} from ${o.serverId ?? '?'}: address ${o.address}, next-server ${o.nextServer}, boot file ${boot || '-'}${o.tftpServerName ? `, option 66 ${o.tftpServerName}` : ''}`,
    );
  }
  for (const s of r.steps) lines.push(`  ${s.ok ? 'ok  ' : 'FAIL'} ${s.step}: ${s.detail}`);
  if (r.configMatched) lines.push(`  config: ${r.configMatched} (tried ${r.configTried.length})`);
  if (r.boots)
    lines.push(
      `  boots: ${r.boots.label}: ${r.boots.kernel ?? '-'} initrd ${r.boots.initrds.join(',') || '-'} ${r.boots.args}`,
    );
  for (const w of r.warnings) lines.push(`  warning: ${w}`);
  lines.push(r.ok ? 'OK: a client would boot' : `FAILED at ${r.failedStep}`);
  return lines.join('\n');
}
