import {randomUUID} from 'node:crypto';
import {readFile} from 'node:fs/promises';
import {posix} from 'node:path';
import {run} from '../lab/exec.js';
import {PxeError} from '../errors.js';
import {discover} from './dhcp-client.js';
import {httpGet, httpHead} from './http.js';
import {bootTarget, isProxyOffer, type Arch, type DhcpReply} from './dhcp.js';
import {TftpError, tftpGet} from './tftp-client.js';
import {defaultLabel, mergeInclude, parsePxelinux, pxelinuxConfigNames, type PxelinuxConfig} from './pxelinux.js';
import {defaultEntry, grubConfigNames, grubTftpPath, parseGrubCfg, type GrubConfig} from './grub.js';
import {clientSettings, defaultItem, parseIpxeScript} from './ipxe.js';

export interface ProbeOptions {
  iface: string;
  arch?: Arch;
  mac?: string;
  uuid?: string;
  /** Seconds to collect DHCP offers. */
  wait?: number;
  /** Directory of grub.cfg on the TFTP server (default: grub, as Debian's signed grubnetx64). */
  grubDir?: string;
  /** Probe even though iface carries the default route (usually an uplink, not a PXE LAN). */
  allowDefaultRoute?: boolean;
}

export interface ProbeStep {
  step: string;
  ok: boolean;
  detail: string;
}

export interface OfferSummary {
  serverId?: string;
  address: string;
  nextServer: string;
  file: string;
  tftpServerName?: string;
  bootfileName?: string;
  proxy: boolean;
  options: Record<number, string>;
}

export interface ProbeReport {
  ok: boolean;
  iface: string;
  arch: Arch;
  mac: string;
  uuid: string;
  offers: OfferSummary[];
  warnings: string[];
  steps: ProbeStep[];
  /** Config files asked for, in order, and the one that answered. */
  configTried: string[];
  configMatched?: string;
  /** What a client boots without a keypress. */
  boots?: {label: string; kernel?: string; initrds: string[]; args: string};
  failedStep?: string;
}

const PXELINUX = /(^|\/)(l?pxelinux\.0|syslinux(64)?\.efi)$/i;
const SHIM_OR_GRUB = /(^|\/)(shim\w*\.efi|bootx64\.efi|grub\w*\.efi)$/i;
const IPXE = /(^|\/)(\w+\.k?kpxe|ipxe\.(pxe|efi)|snponly\.efi)$/i;

/** Checks a PXE server from the outside as a client on `iface` would meet it; never keeps a lease. */
export async function runProbe(options: ProbeOptions): Promise<ProbeReport> {
  const arch = options.arch ?? 'bios';
  const mac = (options.mac ?? (await ifaceMac(options.iface))).toLowerCase();
  const report: ProbeReport = {
    ok: false,
    iface: options.iface,
    arch,
    mac,
    uuid: options.uuid ?? randomUUID(),
    offers: [],
    warnings: [],
    steps: [],
    configTried: [],
  };
  const step = (name: string, ok: boolean, detail: string) => {
    report.steps.push({step: name, ok, detail});
    if (!ok && !report.failedStep) report.failedStep = name;
    return ok;
  };
  // Each phase names its own step when it throws: the interface, the DHCP socket, a config fetch.
  let phase = 'interface';
  try {
    await checkRoute(options.iface, options.allowDefaultRoute ?? false);
    step('interface', true, `${options.iface} ${mac}`);
    phase = 'dhcp';
    const offers = await discover({mac, arch, uuid: report.uuid, waitMs: (options.wait ?? 3) * 1000});
    report.offers = offers.map(summary);
    const leases = offers.filter((o) => !isProxyOffer(o));
    const servers = new Set(leases.map((o) => o.serverId ?? o.siaddr));
    if (servers.size > 1)
      report.warnings.push(
        `${servers.size} DHCP servers answered (${[...servers].join(', ')}): a rogue or a second server on this LAN`,
      );
    const lease = leases[0];
    if (
      !step(
        'dhcp',
        lease !== undefined,
        lease ? `offer of ${lease.yiaddr} from ${lease.serverId ?? lease.siaddr}` : 'no DHCP offer',
      )
    )
      return report;
    const target = [lease!, ...offers.filter(isProxyOffer)].map(bootTarget).find((t) => t.file && t.server);
    if (
      !step(
        'boot-file-offered',
        target !== undefined,
        target ? `${target.server}:${target.file}` : 'no offer names a boot file and next-server',
      )
    )
      return report;
    const {server, file} = target as {server: string; file: string};
    if (!(await fetchStep(step, 'boot-file', server, file, false))) return report;
    phase = 'config';
    const dir = posix.dirname(file) === '.' ? '' : posix.dirname(file);
    const ids = {uuid: report.uuid, mac, ip: lease!.yiaddr};
    if (PXELINUX.test(file)) await checkPxelinux(report, step, server, dir, ids);
    else if (SHIM_OR_GRUB.test(file)) await checkGrub(report, step, server, dir, file, options.grubDir ?? 'grub', ids);
    else if (IPXE.test(file)) {
      phase = 'ipxe-dhcp';
      const again = await discover({
        mac,
        arch,
        uuid: report.uuid,
        waitMs: (options.wait ?? 3) * 1000,
        userClass: 'iPXE',
      });
      phase = 'config';
      await checkIpxe(report, step, again, server, arch, ids);
    } else step('config', true, `${file} is neither pxelinux, shim/GRUB nor iPXE: its config is not checked`);
    report.ok = report.failedStep === undefined;
    return report;
  } catch (error) {
    const hint = error instanceof PxeError && error.hint ? ` (${error.hint})` : '';
    step(phase, false, `${(error as Error).message}${hint}`);
    return report;
  }
}

type StepFn = (name: string, ok: boolean, detail: string) => boolean;

async function fetchStep(
  step: StepFn,
  name: string,
  server: string,
  path: string,
  headOnly: boolean,
): Promise<Buffer | undefined> {
  if (/^https?:\/\//.test(path)) return (await httpCheck(step, name, path)) ? Buffer.alloc(0) : undefined;
  try {
    const r = await tftpGet(server, path, {headOnly});
    const size = r.tsize ?? r.data.length;
    step(name, true, `tftp://${server}/${path} (${size} bytes)`);
    return r.data;
  } catch (error) {
    step(name, false, `tftp://${server}/${path}: ${(error as Error).message}`);
    return undefined;
  }
}

async function httpCheck(step: StepFn, name: string, url: string): Promise<boolean> {
  try {
    const status = await httpHead(url);
    return step(name, status >= 200 && status < 300, `${url}: HTTP ${status}`);
  } catch (error) {
    return step(name, false, `${url}: ${(error as Error).message}`);
  }
}

/** Tries names in order; the first that exists wins. A server error other than "not found" fails. */
async function firstConfig(
  report: ProbeReport,
  server: string,
  names: string[],
): Promise<{name: string; text: string} | undefined> {
  for (const name of names) {
    report.configTried.push(name);
    try {
      const r = await tftpGet(server, name);
      report.configMatched = name;
      return {name, text: r.data.toString('utf8')};
    } catch (error) {
      if (error instanceof TftpError && error.code === 1) continue;
      throw new PxeError('E_PROBE', `TFTP ${name}: ${(error as Error).message}`);
    }
  }
  return undefined;
}

/** Fetches every entry's kernel and initrds once each (entries often share them); `where` maps a menu's path to a fetchable one. */
async function fetchBootFiles(
  step: StepFn,
  server: string,
  entries: Array<{what: string; kernel?: string; initrds: string[]}>,
  where: (path: string) => string,
): Promise<void> {
  const checked = new Set<string>();
  for (const entry of entries) {
    for (const [kind, path] of [['kernel', entry.kernel], ...entry.initrds.map((i) => ['initrd', i])] as Array<
      [string, string | undefined]
    >) {
      if (!path || checked.has(path)) continue;
      checked.add(path);
      await fetchStep(step, `${kind} ${path} (${entry.what})`, server, where(path), true);
    }
  }
}

async function checkPxelinux(
  report: ProbeReport,
  step: StepFn,
  server: string,
  dir: string,
  ids: {uuid: string; mac: string; ip: string},
) {
  const at = (p: string) =>
    /^https?:\/\//.test(p)
      ? p
      : p.startsWith('::')
        ? p.slice(2).replace(/^\/+/, '')
        : p.startsWith('/')
          ? p.slice(1)
          : posix.join(dir, p);
  const found = await firstConfig(
    report,
    server,
    pxelinuxConfigNames(ids).map((n) => posix.join(dir, n)),
  );
  if (
    !step(
      'config',
      found !== undefined,
      found
        ? `${found.name} (after ${report.configTried.length - 1} misses)`
        : `none of ${report.configTried.length} pxelinux.cfg names exists`,
    )
  )
    return;
  const config: PxelinuxConfig = parsePxelinux(found!.text);
  for (const include of [...config.includes]) {
    const data = await fetchStep(step, `include ${include}`, server, at(include), false);
    if (data) mergeInclude(config, parsePxelinux(data.toString('utf8')));
  }
  const boot = defaultLabel(config);
  if (
    !step(
      'labels',
      boot !== undefined,
      boot ? `${config.labels.length} label(s), default ${boot.name}` : 'no LABEL in the config',
    )
  )
    return;
  report.boots = {label: boot!.name, kernel: boot!.kernel, initrds: boot!.initrds, args: boot!.append};
  if (boot!.localboot) report.warnings.push(`the default label ${boot!.name} boots the local disk`);
  const labels = config.labels.map((l) => ({what: `label ${l.name}`, kernel: l.kernel, initrds: l.initrds}));
  await fetchBootFiles(step, server, labels, at);
}

async function checkGrub(
  report: ProbeReport,
  step: StepFn,
  server: string,
  dir: string,
  file: string,
  grubDir: string,
  ids: {uuid: string; mac: string; ip: string},
) {
  if (!/grub/i.test(posix.basename(file))) {
    // shim chain-loads grubx64.efi from its own directory.
    if (!(await fetchStep(step, 'grub', server, posix.join(dir, 'grubx64.efi'), true))) return;
  }
  const found = await firstConfig(report, server, grubConfigNames(grubDir, ids));
  if (
    !step(
      'config',
      found !== undefined,
      found ? found.name : `no grub.cfg under ${grubDir}/ (use --grub-dir for another path)`,
    )
  )
    return;
  const config: GrubConfig = parseGrubCfg(found!.text);
  const boot = defaultEntry(config);
  if (
    !step(
      'entries',
      boot !== undefined,
      boot ? `${config.entries.length} menuentry, default "${boot.title}"` : 'no menuentry in grub.cfg',
    )
  )
    return;
  report.boots = {label: boot!.title, kernel: boot!.linux, initrds: boot!.initrds, args: boot!.args};
  if (/^\s*(linuxefi|initrdefi)\b/m.test(found!.text))
    report.warnings.push('linuxefi/initrdefi: GRUB 2.06 and later have no such commands; use linux/initrd');
  const entries = config.entries.map((e) => ({what: `entry "${e.title}"`, kernel: e.linux, initrds: e.initrds}));
  await fetchBootFiles(step, server, entries, (path) => {
    const http = /^\(https?,([^)]+)\)(.*)$/.exec(path);
    return http ? `http://${http[1]}${http[2]}` : grubTftpPath(path);
  });
}

/**
 * iPXE asks DHCP again with user class iPXE and runs what it gets: an iPXE script (the per-host scripts it
 * chains to first, then its menu), or pxelinux, which reads the same TFTP root's files through iPXE.
 */
async function checkIpxe(
  report: ProbeReport,
  step: StepFn,
  offers: DhcpReply[],
  tftpServer: string,
  arch: Arch,
  ids: {uuid: string; mac: string; ip: string},
) {
  const target = [...offers.filter((o) => !isProxyOffer(o)), ...offers.filter(isProxyOffer)]
    .map(bootTarget)
    .find((t) => t.file);
  const detail = target ? `iPXE is sent to ${target.file}` : 'no offer names a boot file for iPXE (user class iPXE)';
  if (!step('ipxe-dhcp', target !== undefined, detail)) return;
  const {file} = target as {file: string};
  const server = target!.server ?? tftpServer;
  if (PXELINUX.test(file)) {
    if (await fetchStep(step, 'ipxe-boot-file', server, file, true)) await checkPxelinux(report, step, server, '', ids);
    return;
  }
  const settings = clientSettings(ids.mac, arch === 'bios' ? 'pcbios' : 'efi');
  report.configTried.push(file);
  const shared = await ipxeScript(server, file);
  if (!step('config', shared !== undefined, shared !== undefined ? file : `${file}: not found`)) return;
  let script = parseIpxeScript(shared!, settings);
  report.configMatched = file;
  // The shared script tries the client's own first: the first that exists runs instead of the rest.
  for (const url of script.chains) {
    report.configTried.push(url);
    const own = await ipxeScript(server, url);
    if (own === undefined) continue;
    [script, report.configMatched] = [parseIpxeScript(own, settings), url];
    step('chain', true, `${url} (the client's own script)`);
    break;
  }
  const boot = defaultItem(script);
  const items = boot ? `${script.items.length} item(s), default ${boot.name}` : 'no menu item in the script';
  if (!step('items', boot !== undefined, items)) return;
  report.boots = {label: boot!.name, kernel: boot!.kernel, initrds: boot!.initrds, args: boot!.args};
  if (boot!.exit) report.warnings.push(`the default item ${boot!.name} boots the local disk`);
  const base = report.configMatched;
  const at = (path: string) => (/^https?:\/\//.test(base) ? new URL(path, base).href : path);
  const entries = script.items.map((i) => ({what: `item ${i.name}`, kernel: i.kernel, initrds: i.initrds}));
  await fetchBootFiles(step, server, entries, at);
}

/** An iPXE script's text; undefined when the server has no such file. Anything else, or not a script, fails. */
async function ipxeScript(server: string, ref: string): Promise<string | undefined> {
  let text: string;
  if (/^https?:\/\//.test(ref)) {
    const {status, body} = await httpGet(ref);
    if (status === 404) return undefined;
    if (status < 200 || status >= 300) throw new PxeError('E_PROBE', `${ref}: HTTP ${status}`);
    text = body.toString('utf8');
  } else {
    try {
      text = (await tftpGet(server, ref)).data.toString('utf8');
    } catch (error) {
      if (error instanceof TftpError && error.code === 1) return undefined;
      throw new PxeError('E_PROBE', `TFTP ${ref}: ${(error as Error).message}`);
    }
  }
  if (!text.startsWith('#!ipxe'))
    throw new PxeError('E_PROBE', `${ref} is not an iPXE script (no #!ipxe line)`, {
      hint: 'iPXE runs a file as a script only when it starts with #!ipxe',
    });
  return text;
}

function summary(o: DhcpReply): OfferSummary {
  return {
    serverId: o.serverId,
    address: o.yiaddr,
    nextServer: o.siaddr,
    file: o.file,
    tftpServerName: o.tftpServerName,
    bootfileName: o.bootfileName,
    proxy: isProxyOffer(o),
    options: o.options,
  };
}

async function ifaceMac(iface: string): Promise<string> {
  return (
    await readFile(`/sys/class/net/${iface}/address`, 'utf8').catch(() => {
      throw new PxeError('E_PROBE', `no interface ${iface} in this network namespace`, {
        hint: 'name an interface of `ip link`, or pass --netns',
      });
    })
  ).trim();
}

/**
 * The DHCPDISCOVER goes to 255.255.255.255: make sure that route leaves through the probed interface,
 * and refuse the default-route interface (an uplink: a DHCP client has no business there) unless asked.
 */
async function checkRoute(iface: string, allowDefaultRoute: boolean): Promise<void> {
  const defaults = (await run(['ip', '-4', 'route', 'show', 'default'], {allowFail: true})).stdout;
  const uplinks = [...defaults.matchAll(/\bdev (\S+)/g)].map((m) => m[1]);
  if (!allowDefaultRoute && uplinks.includes(iface)) {
    throw new PxeError('E_PROBE', `${iface} carries this namespace's default route: refusing to send DHCP there`, {
      hint: 'probe the interface of the PXE LAN (in the lab: --netns pxl-lan --iface pxl-br), or pass --allow-default-route',
    });
  }
  const {stdout} = await run(['ip', '-4', 'route', 'get', '255.255.255.255'], {allowFail: true});
  const dev = /\bdev (\S+)/.exec(stdout)?.[1];
  if (dev !== iface) {
    throw new PxeError('E_PROBE', `broadcasts leave through ${dev ?? 'no interface'}, not ${iface}`, {
      hint: `run the probe in a namespace whose broadcast route is ${iface} (--netns), or add: ip route add 255.255.255.255/32 dev ${iface}`,
    });
  }
}
