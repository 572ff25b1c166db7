/**
 * The agent's raw fact output (named sections "NAME LEN\n" + LEN bytes, see pxp_op_facts in
 * agent.sh) into Facts. Pure: tested with data.
 */
import type {Facts, InterfaceFact, PackageFact} from './types.js';

export function splitNamedSections(raw: Buffer): Map<string, string> {
  const out = new Map<string, string>();
  let off = 0;
  while (off < raw.length) {
    const nl = raw.indexOf(10, off);
    if (nl < 0) throw new Error('bad fact section header');
    const [name, len] = raw.toString('latin1', off, nl).split(' ');
    const length = Number(len);
    if (!name || !Number.isInteger(length)) throw new Error('bad fact section header');
    out.set(name, raw.toString('utf8', nl + 1, nl + 1 + length));
    off = nl + 1 + length;
  }
  return out;
}

/** "==> PATH\n" + content blocks (pxp_fact_files). */
export function splitFiles(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const block of text.split(/^==> /m).slice(1)) {
    const nl = block.indexOf('\n');
    out.set(block.slice(0, nl), block.slice(nl + 1));
  }
  return out;
}

export function parseOsRelease(text: string): Facts['os'] {
  const vars: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^([A-Z_]+)=(.*)$/.exec(line.trim());
    if (m) vars[m[1]!] = m[2]!.replace(/^(["'])(.*)\1$/, '$2');
  }
  return {
    id: vars.ID ?? '',
    versionId: vars.VERSION_ID ?? '',
    codename: vars.VERSION_CODENAME ?? '',
    prettyName: vars.PRETTY_NAME ?? '',
    idLike: (vars.ID_LIKE ?? '').split(/\s+/).filter(Boolean),
  };
}

/** `ip addr show` (iproute2 and busybox print the same shape). */
export function parseIpAddr(text: string): Map<string, {ipv4: string[]; ipv6: string[]}> {
  const out = new Map<string, {ipv4: string[]; ipv6: string[]}>();
  let current: {ipv4: string[]; ipv6: string[]} | undefined;
  for (const line of text.split('\n')) {
    const head = /^\d+:\s+([^:@\s]+)(?:@\S+)?:/.exec(line);
    if (head) {
      current = {ipv4: [], ipv6: []};
      out.set(head[1]!, current);
      continue;
    }
    const addr = /^\s+(inet6?)\s+(\S+)/.exec(line);
    if (!addr || !current) continue;
    const family = addr[1] === 'inet' ? 'ipv4' : 'ipv6';
    const cidr = addr[2]!.includes('/') ? addr[2]! : `${addr[2]}/${family === 'ipv4' ? 32 : 128}`;
    current[family].push(cidr);
  }
  return out;
}

/** The default route from /proc/net/route (hex, little-endian addresses). */
export function parseDefaultRoute(text: string): Facts['defaultRoute'] {
  for (const line of text.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 8 || f[1] !== '00000000' || f[7] !== '00000000') continue;
    const gw = parseInt(f[2]!, 16);
    const gateway = gw ? [gw & 255, (gw >>> 8) & 255, (gw >>> 16) & 255, gw >>> 24].join('.') : undefined;
    return gateway ? {iface: f[0]!, gateway} : {iface: f[0]!};
  }
  return undefined;
}

function escapeRe(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Netplan names an interface as a key ("eth0:"), or in a list ("[eth0, eth1]", "- eth0"). */
function netplanNames(name: string): RegExp {
  const n = escapeRe(name);
  return new RegExp(`^\\s*["']?${n}["']?\\s*:|[[,]\\s*["']?${n}["']?\\s*[\\],]|^\\s*-\\s*["']?${n}["']?\\s*$`, 'm');
}

export function managerOf(
  name: string,
  netplan: string[],
  ifupdown: string[],
  nmManaged: Set<string>,
): InterfaceFact['manager'] {
  if (netplan.some((t) => netplanNames(name).test(t))) return 'netplan';
  const ifu = new RegExp(`^\\s*(iface|auto|allow-hotplug|allow-auto)\\s+(\\S+\\s+)*${escapeRe(name)}(\\s|$)`, 'm');
  if (ifupdown.some((t) => ifu.test(t))) return 'ifupdown';
  if (nmManaged.has(name)) return 'NetworkManager';
  return 'none';
}

function stripCidr(cidr: string): string {
  return cidr.split('/')[0]!;
}

/** `requested`: packages asked for; those dpkg does not know come back with a name only. */
export function parseFacts(raw: Buffer, requested: string[] = []): Facts {
  const s = splitNamedSections(raw);
  const get = (name: string) => s.get(name) ?? '';
  const [hostname = '', kernel = '', arch = ''] = get('uname').trim().split(/\s+/);
  const id = /uid=(\d+)\(([^)]*)\)/.exec(get('id'));
  const addrs = parseIpAddr(get('addr'));
  const netplan = [...splitFiles(get('netplan')).values()];
  const ifupdown = [...splitFiles(get('ifupdown')).values()];
  const nmManaged = new Set(
    get('nm')
      .split('\n')
      .map((l) => l.split(':'))
      .filter(([dev, state]) => dev && state && state !== 'unmanaged')
      .map(([dev]) => dev!),
  );
  const interfaces: InterfaceFact[] = get('links')
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [name = '', mac = '-', , flags = '0'] = line.split(' ');
      const a = addrs.get(name) ?? {ipv4: [], ipv6: []};
      const iface: InterfaceFact = {
        name,
        ipv4: a.ipv4,
        ipv6: a.ipv6,
        up: (parseInt(flags, 16) & 1) === 1,
        manager: managerOf(name, netplan, ifupdown, nmManaged),
      };
      if (mac !== '-' && mac !== '00:00:00:00:00:00') iface.mac = mac;
      return iface;
    });
  const sshAddress = get('ssh')
    .trim()
    .split(/\s+/)[2]
    ?.replace(/^::ffff:/, '');
  const sshIface = sshAddress
    ? interfaces.find((i) => [...i.ipv4, ...i.ipv6].some((c) => stripCidr(c) === sshAddress))?.name
    : undefined;
  const packages: Record<string, PackageFact> = Object.fromEntries(requested.map((name) => [name, {name}]));
  for (const line of get('dpkg').split('\n')) {
    const [name, status, version] = line.split('\t');
    if (name) packages[name] = {name, status: status || undefined, version: version || undefined};
  }
  const init = get('init').trim();
  const facts: Facts = {
    os: parseOsRelease([...splitFiles(get('os')).values()][0] ?? ''),
    kernel,
    arch,
    hostname,
    init: init === 'systemd' || init === 'sysvinit' ? init : 'other',
    interfaces,
    defaultRoute: parseDefaultRoute(get('route')),
    sshIface,
    sshAddress: sshAddress || undefined,
    packages,
    user: id?.[2] ?? '',
    uid: id ? Number(id[1]) : -1,
    shell: get('shell').trim(),
  };
  return facts;
}
