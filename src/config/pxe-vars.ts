/**
 * The PXE inputs of the shipped roles, checked at `validate` for every host of every play that uses the roles:
 * what a host would otherwise learn only on the target (the common role's asserts) or never (a menu default
 * that names no profile is written into the menus as is). Each error points at the file and line that set the
 * variable. A value that cannot be known without connecting (it uses facts) is left to the run.
 */
import {existsSync, readdirSync, readFileSync, statSync} from 'node:fs';
import {basename, dirname, extname, isAbsolute, join} from 'node:path';
import {PxeError, type Where} from '../errors.js';
import {selectHosts} from './host-pattern.js';
import type {Inventory, Play, Playbook, Vars} from './model.js';
import {HOST_NAME} from '../lifecycle/menus.js';
import {ipFilters, ipTests} from './template-ip.js';
import {renderValue} from './template.js';
import {hostVars} from './vars.js';
import {bmcProblems} from '../power/targets.js';
import {loadYaml, posAt, type YamlFile, type YamlPath} from './yaml.js';

/** Profile kinds the syslinux and kickstart roles know. */
export const PROFILE_KINDS = ['kickstart', 'preseed', 'autoinstall', 'manual'];
const MAC = /^([0-9A-Fa-f]{2}[:-]){5}[0-9A-Fa-f]{2}$/;
/** A value that depends on something validate cannot know (facts, a lookup of the target). */
const UNKNOWN = Symbol('unknown');
const known = (v: unknown) => v !== UNKNOWN && v !== undefined;

interface Check {
  play: Play;
  host: string;
  vars: Vars;
  /** Roles of the play by name. */
  roles: Set<string>;
  /** Where each variable can be set for this host, highest precedence first (looked up on an error only). */
  sources(): string[];
}

/** The hosts a run reaches: the inventory, `-e @file` files (where variables may be set), and --limit's hosts. */
export interface HostsReached {
  inventory: Inventory;
  extraVarFiles: string[];
  only?: Set<string>;
}

/** The hosts of a play that a run reaches. */
export function playHostsReached(play: Play, {inventory, only}: HostsReached): string[] {
  return selectHosts(inventory, play.hosts, {strict: false}).filter((host) => !only || only.has(host));
}

/** Every PXE input error of every host, each reported once (hosts sharing group vars share their errors). */
export function checkPxeVars(playbook: Playbook, reached: HostsReached, extraVars: Vars): PxeError[] {
  const {inventory, extraVarFiles} = reached;
  const errors = new Map<string, PxeError>();
  for (const play of playbook.plays) {
    const roles = new Set(play.roles.map((r) => r.name));
    if (!['common', 'network', 'dhcp', 'syslinux', 'media', 'kickstart'].some((r) => roles.has(r))) continue;
    for (const host of playHostsReached(play, reached)) {
      const check: Check = {
        play,
        host,
        roles,
        vars: hostVars(play, host, inventory, extraVars),
        sources: () => varSources(play, host, inventory, extraVarFiles),
      };
      for (const error of checkHost(check)) {
        const key = `${error.message}\0${error.where.file}:${error.where.line}`;
        if (!errors.has(key)) errors.set(key, error);
      }
    }
  }
  return [...errors.values()];
}

function checkHost(c: Check): PxeError[] {
  const errors: PxeError[] = [];
  const value = (name: string): unknown => {
    if (!(name in c.vars)) return undefined;
    try {
      return renderValue(c.vars[name], c.vars, {host: c.host});
    } catch {
      // Undefined here means set from facts or at run time; a template syntax error is reported on its own.
      return UNKNOWN;
    }
  };
  const fail = (path: YamlPath, message: string, expected: string, hint: string) =>
    errors.push(new PxeError('E_VARS', message, {where: {...locate(path, c), host: c.host}, expected, hint}));

  const ip = value('pxe_ip');
  const subnet = value('pxe_subnet');
  const net = typeof subnet === 'string' && ipFilters.ipaddr(subnet, 'net') === subnet ? subnet : undefined;
  const inSubnet = (address: unknown) => net !== undefined && ipFilters.network_in_usable(net, address) === true;
  if (known(subnet) && !net) {
    fail(
      ['pxe_subnet'],
      `pxe_subnet '${String(subnet)}' is not a network in CIDR form`,
      'a network address with its prefix, e.g. 192.168.1.0/24',
      'use the network address (host bits zero) and a /prefix',
    );
  }
  if (known(ip) && !ipTests.ipv4_address(ip)) {
    fail(
      ['pxe_ip'],
      `pxe_ip '${String(ip)}' is not an IPv4 address`,
      'the address of the PXE server on pxe_iface, e.g. 192.168.1.20',
      'give the address alone, without a /prefix',
    );
  } else if (known(ip) && net && !inSubnet(ip)) {
    fail(
      ['pxe_ip'],
      `pxe_ip ${String(ip)} is outside pxe_subnet ${net}`,
      `a usable address of ${net}`,
      "pxe_ip is the server's own address on the PXE LAN: pick one inside pxe_subnet, or fix pxe_subnet",
    );
  }

  if (c.roles.has('network') || c.roles.has('common')) checkGateway(value, fail, {ip, net, inSubnet});
  if (c.roles.has('dhcp') && value('dhcp_mode') === 'server' && net) checkRange(value, fail, {ip, net, inSubnet});
  const profiles = value('pxe_profiles');
  const profileNames = new Set(
    Array.isArray(profiles)
      ? profiles.map((p) => (p as {name?: unknown})?.name).filter((n): n is string => typeof n === 'string')
      : [],
  );
  if (c.roles.has('dhcp') || c.roles.has('kickstart') || c.roles.has('syslinux'))
    checkReservations(value('dhcp_hosts'), fail, {
      ip,
      net,
      inSubnet,
      profiles: known(profiles) ? profileNames : undefined,
    });
  if (c.roles.has('syslinux') || c.roles.has('kickstart')) checkProfiles(profiles, value('media_isos'), fail);
  const menuDefault = value('pxe_menu_default');
  if (
    c.roles.has('syslinux') &&
    known(menuDefault) &&
    known(profiles) &&
    menuDefault !== 'local' &&
    !profileNames.has(String(menuDefault))
  ) {
    fail(
      ['pxe_menu_default'],
      `pxe_menu_default '${String(menuDefault)}' names no profile`,
      `local or one of the pxe_profiles names: ${[...profileNames].join(', ') || '(none defined)'}`,
      'the menus boot this entry when the timeout expires: name a profile of pxe_profiles, or local',
    );
  }
  if (c.roles.has('media')) checkIsos(c, value('media_isos'), fail);
  if (c.roles.has('syslinux') || c.roles.has('dhcp'))
    checkBootTransport(value, fail, c.roles.has('dhcp') && c.roles.has('syslinux'));
  if (c.roles.has('syslinux') && value('pxe_boot_transport') === 'http') checkIpxeText(value, fail);
  return errors;
}

export const BOOT_TRANSPORTS = ['http', 'tftp'];
export const UEFI_LOADERS = ['grub', 'syslinux', 'ipxe'];

/**
 * pxe_boot_transport and the loaders DHCP hands out: each client architecture must get a file the syslinux
 * role installs for this transport (a BIOS client sent to a missing undionly.kpxe waits for a file forever).
 */
function checkBootTransport(value: (name: string) => unknown, fail: Fail, loaders: boolean): void {
  const transport = value('pxe_boot_transport');
  if (transport === UNKNOWN || transport === undefined) return;
  if (!BOOT_TRANSPORTS.includes(String(transport))) {
    fail(
      ['pxe_boot_transport'],
      `pxe_boot_transport '${String(transport)}' is not a transport`,
      `one of: ${BOOT_TRANSPORTS.join(', ')}`,
      'http: kernels and initrds from nginx (iPXE for BIOS, GRUB for UEFI); tftp: every file over TFTP',
    );
    return;
  }
  const uefi = value('pxe_uefi');
  const loader = value('pxe_uefi_loader');
  if (known(loader) && !UEFI_LOADERS.includes(String(loader))) {
    fail(
      ['pxe_uefi_loader'],
      `pxe_uefi_loader '${String(loader)}' is not a UEFI loader`,
      `one of: ${UEFI_LOADERS.join(', ')}`,
      'grub: shim + signed GRUB (Secure Boot works); syslinux: syslinux.efi; ipxe: snponly.efi (both unsigned)',
    );
  } else if (loader === 'ipxe' && transport !== 'http') {
    fail(
      ['pxe_uefi_loader'],
      `pxe_uefi_loader ipxe needs pxe_boot_transport http, but it is ${String(transport)}`,
      'pxe_boot_transport: http, or pxe_uefi_loader: grub',
      'iPXE loads its menu, kernel and initrd from nginx; over TFTP only GRUB or syslinux.efi read the menus',
    );
  }
  if (transport === 'http' && value('http_enabled') === false) {
    fail(
      ['pxe_boot_transport'],
      'pxe_boot_transport http needs nginx, but http_enabled is false',
      'http_enabled: true, or pxe_boot_transport: tftp',
      'clients load their kernel and initrd from nginx (role http) with the http transport',
    );
  }
  if (!loaders) return;
  const installed = {
    dhcp_bios_bootfile: ['pxelinux.0', ...(transport === 'http' ? ['undionly.kpxe'] : [])],
    dhcp_uefi_bootfile:
      uefi === true
        ? ['bootx64.efi', 'grubx64.efi', 'efi64/syslinux.efi', ...(loader === 'ipxe' ? ['snponly.efi'] : [])]
        : [],
  };
  for (const [name, files] of Object.entries(installed)) {
    const file = value(name);
    // With pxe_uefi false the server answers UEFI clients with no boot file at all.
    if (!known(file) || (name === 'dhcp_uefi_bootfile' && uefi !== true)) continue;
    if (!files.includes(String(file))) {
      const arch = name === 'dhcp_bios_bootfile' ? 'BIOS' : 'x86-64 UEFI';
      fail(
        [name],
        `${name} ${String(file)}: the server has no such loader for ${arch} clients (pxe_boot_transport ${String(transport)})`,
        `one of the loaders the syslinux role installs: ${files.join(', ')}`,
        'DHCP sends clients of this architecture to a file in the TFTP root: name one the roles put there',
      );
    }
  }
  if (transport === 'http') checkIpxeBootfile(value, fail, uefi === true && loader === 'ipxe');
  if (transport === 'http' && uefi === true) checkHttpBootfile(value, fail);
}

/** What UEFI HTTP Boot clients are sent to: none of this server's loaders but snponly.efi starts that way. */
function checkHttpBootfile(value: (name: string) => unknown, fail: Fail): void {
  const [file, url] = [value('dhcp_uefi_http_bootfile'), value('pxe_http_url')];
  if (!known(file) || typeof url !== 'string') return;
  const loader = ['bootx64.efi', 'grubx64.efi', 'efi64/syslinux.efi'].find((f) => file === `${url}/tftp/${f}`);
  if (!loader) return;
  fail(
    ['dhcp_uefi_http_bootfile'],
    `dhcp_uefi_http_bootfile ${String(file)}: ${loader} cannot boot a UEFI HTTP Boot client`,
    `${url}/tftp/snponly.efi (pxe_uefi_loader: ipxe), or '' (no boot file: the firmware goes on to PXE)`,
    loader === 'efi64/syslinux.efi'
      ? "syslinux.efi needs the firmware's PXE and does not start from HTTP Boot"
      : "Debian's signed GRUB finds no configuration when HTTP Boot starts it: it stops at its prompt",
  );
}

/** What iPXE clients load over HTTP: the iPXE menu, or pxelinux (which BIOS iPXE only can run). */
function checkIpxeBootfile(value: (name: string) => unknown, fail: Fail, uefiIpxe: boolean): void {
  const [file, url] = [value('dhcp_ipxe_bootfile'), value('pxe_http_url')];
  if (!known(file) || typeof url !== 'string') return;
  const menu = `${url}/tftp/ipxe/boot.ipxe`;
  const allowed = uefiIpxe ? [menu] : [menu, `${url}/tftp/pxelinux.0`];
  if (allowed.includes(String(file))) return;
  fail(
    ['dhcp_ipxe_bootfile'],
    `dhcp_ipxe_bootfile ${String(file)}: iPXE clients get no such file from this server`,
    `one of: ${allowed.join(', ')}`,
    uefiIpxe
      ? 'with pxe_uefi_loader ipxe UEFI clients run iPXE too, and pxelinux.0 is a BIOS program: leave the default (the iPXE menu)'
      : 'the iPXE menu (the default), or pxelinux run by iPXE (BIOS clients only)',
  );
}

/**
 * iPXE splits a script line at spaces with no quoting: `${...}` is always expanded, a word starting with '#'
 * starts a comment and a word `||`, `&&` or `;` ends the command, so text carrying one cannot be written into
 * the iPXE menus as it is.
 */
function checkIpxeText(value: (name: string) => unknown, fail: Fail): void {
  const unsafe = (text: unknown) =>
    typeof text === 'string' && /\$\{|[\r\n]|(^|\s)(#|(\|\||&&|;)(\s|$))/.test(text) ? text : undefined;
  const refuse = (path: YamlPath, what: string, text: string) =>
    fail(
      path,
      `${what} '${text}' cannot be written into an iPXE menu`,
      "text without '${', a line break, or a word that starts with '#' or is '||', '&&' or ';'",
      'iPXE expands ${...} and splits its lines at spaces without quoting; reword it, or use pxe_boot_transport: tftp',
    );
  const title = unsafe(value('pxe_menu_title'));
  if (title !== undefined) refuse(['pxe_menu_title'], 'pxe_menu_title', title);
  const profiles = value('pxe_profiles');
  if (!Array.isArray(profiles)) return;
  profiles.forEach((entry, i) => {
    const p = (entry ?? {}) as Record<string, unknown>;
    for (const key of ['name', 'label', 'append']) {
      const text = unsafe(p[key]);
      if (text !== undefined) refuse(['pxe_profiles', i, key], `pxe_profiles entry ${i + 1} ${key}`, text);
    }
  });
}

type Fail = (path: YamlPath, message: string, expected: string, hint: string) => void;
interface Net {
  ip: unknown;
  net: string | undefined;
  inSubnet(address: unknown): boolean;
}

/** pxe_gateway is the server's own route (network role); clients get theirs from dhcp_routers (dhcp role). */
function checkGateway(value: (name: string) => unknown, fail: Fail, n: Net): void {
  const gateway = value('pxe_gateway');
  if (typeof gateway !== 'string' || gateway === '') return;
  if (gateway === n.ip) {
    fail(
      ['pxe_gateway'],
      `pxe_gateway ${gateway} is the server's own address (pxe_ip): the server cannot route through itself`,
      'empty (the PXE LAN has no router for the server), or the address of another router on the PXE LAN',
      "pxe_gateway is the PXE server's own default route on pxe_iface (the network role); what DHCP clients get as their router is dhcp_routers (the dhcp role, default: pxe_gateway). To make the server the clients' router, set dhcp_routers: " +
        `${gateway} and leave pxe_gateway empty`,
    );
  } else if (n.net && !n.inSubnet(gateway)) {
    fail(
      ['pxe_gateway'],
      `pxe_gateway ${gateway} is outside pxe_subnet ${n.net}`,
      `empty, or a router's address in ${n.net}`,
      "pxe_gateway is the server's own route on pxe_iface: a next hop must be on that LAN",
    );
  }
}

function checkRange(value: (name: string) => unknown, fail: Fail, n: Net): void {
  const [start, end] = [value('pxe_dhcp_range_start'), value('pxe_dhcp_range_end')];
  if (start === UNKNOWN || end === UNKNOWN) return;
  const hint =
    'pxe_dhcp_range_start and pxe_dhcp_range_end are the first and last address DHCP hands out, inside pxe_subnet';
  for (const [name, address] of [
    ['pxe_dhcp_range_start', start],
    ['pxe_dhcp_range_end', end],
  ] as const) {
    if (!n.inSubnet(address))
      fail([name], `${name} ${String(address)} is outside pxe_subnet ${n.net}`, `a usable address of ${n.net}`, hint);
  }
  if (!n.inSubnet(start) || !n.inSubnet(end)) return;
  const [from, to] = [Number(ipFilters.ipaddr(start, 'int')), Number(ipFilters.ipaddr(end, 'int'))];
  if (from > to) {
    fail(
      ['pxe_dhcp_range_start'],
      `the DHCP range ${String(start)} - ${String(end)} starts after it ends`,
      'pxe_dhcp_range_start <= pxe_dhcp_range_end',
      hint,
    );
    return;
  }
  const server = ipTests.ipv4_address(n.ip) ? Number(ipFilters.ipaddr(n.ip, 'int')) : undefined;
  if (server !== undefined && server >= from && server <= to) {
    fail(
      ['pxe_dhcp_range_start'],
      `the DHCP range ${String(start)} - ${String(end)} contains pxe_ip ${String(n.ip)}`,
      "a range that leaves out the server's own address",
      "DHCP would lease the server's address to a client: move the range or pxe_ip",
    );
  }
}

function checkReservations(hosts: unknown, fail: Fail, n: Net & {profiles?: Set<string>}): void {
  if (!Array.isArray(hosts)) return;
  const seen = {name: new Map<string, number>(), mac: new Map<string, number>(), ip: new Map<string, number>()};
  const hint =
    'dhcp_hosts entries are reservations: {name, mac, ip (optional), profile or profiles (optional), install (optional: always)}, each name, MAC and address once';
  hosts.forEach((entry, i) => {
    const h = (entry ?? {}) as {
      name?: unknown;
      mac?: unknown;
      ip?: unknown;
      profile?: unknown;
      profiles?: unknown;
      install?: unknown;
    };
    const label = `dhcp_hosts entry ${typeof h.name === 'string' ? h.name : i + 1}`;
    if (typeof h.mac !== 'string' || !MAC.test(h.mac)) {
      fail(
        ['dhcp_hosts', i, 'mac'],
        `${label}: MAC '${String(h.mac)}' is malformed`,
        'six hex pairs separated by colons, e.g. 52:54:00:12:34:56',
        'quote a MAC in YAML and check its length and digits',
      );
    }
    if (h.ip !== undefined && !n.inSubnet(h.ip) && n.net) {
      fail(
        ['dhcp_hosts', i, 'ip'],
        `${label}: ip ${String(h.ip)} is outside pxe_subnet ${n.net}`,
        `a usable address of ${n.net}`,
        hint,
      );
    } else if (h.ip !== undefined && h.ip === n.ip) {
      fail(
        ['dhcp_hosts', i, 'ip'],
        `${label}: ip ${String(h.ip)} is the server's own address (pxe_ip)`,
        'an address no other machine uses',
        hint,
      );
    }
    for (const problem of bmcProblems(h as Record<string, unknown>)) {
      fail(
        ['dhcp_hosts', i, problem.field],
        `${label}: ${problem.message}`,
        problem.expected,
        'a BMC is ipmi_address, ipmi_user and ipmi_password (docs/power.md)',
      );
    }
    if (h.profile !== undefined && n.profiles && !n.profiles.has(String(h.profile))) {
      fail(
        ['dhcp_hosts', i, 'profile'],
        `${label}: profile '${String(h.profile)}' is not in pxe_profiles`,
        `one of: ${[...n.profiles].join(', ') || '(none defined)'}`,
        hint,
      );
    }
    checkHostLifecycle(h, i, label, fail, n.profiles);
    const keys = {
      name: h.name,
      mac: typeof h.mac === 'string' ? h.mac.toLowerCase().replaceAll('-', ':') : undefined,
      ip: h.ip,
    };
    for (const field of ['name', 'mac', 'ip'] as const) {
      const key = keys[field];
      if (key === undefined) continue;
      const first = seen[field].get(String(key));
      if (first !== undefined)
        fail(
          ['dhcp_hosts', i, field],
          `${label}: ${field} ${String(h[field])} is already reserved by entry ${first + 1}`,
          `each ${field} once in dhcp_hosts`,
          hint,
        );
      else seen[field].set(String(key), i);
    }
  });
}

/** A host's own menu: its profiles, its build default among them, install: always; its name names its state file and callback URL. */
function checkHostLifecycle(
  h: {name?: unknown; profile?: unknown; profiles?: unknown; install?: unknown},
  i: number,
  label: string,
  fail: Fail,
  known?: Set<string>,
): void {
  const hint =
    'a host with its own menu: profile (what it installs) and/or profiles (what its menu offers), install: always to reinstall at every boot';
  const profiles = h.profiles;
  if (
    profiles !== undefined &&
    (!Array.isArray(profiles) || profiles.length === 0 || !profiles.every((p) => typeof p === 'string'))
  ) {
    fail(
      ['dhcp_hosts', i, 'profiles'],
      `${label}: profiles must be a non-empty list of profile names`,
      'a list of pxe_profiles names, e.g. [centos7, rocky9]',
      hint,
    );
  } else if (Array.isArray(profiles)) {
    profiles.forEach((p, j) => {
      if (known && !known.has(p))
        fail(
          ['dhcp_hosts', i, 'profiles', j],
          `${label}: profile '${p}' is not in pxe_profiles`,
          `one of: ${[...known].join(', ') || '(none defined)'}`,
          hint,
        );
    });
    if (h.profile !== undefined && !(profiles as unknown[]).includes(h.profile)) {
      fail(
        ['dhcp_hosts', i, 'profile'],
        `${label}: profile '${String(h.profile)}' is not one of its profiles`,
        `one of: ${profiles.join(', ')}`,
        'profile is the build default of the profiles its menu offers',
      );
    }
  }
  const hasMenu = h.profile !== undefined || profiles !== undefined;
  if (h.install !== undefined && (h.install !== 'always' || !hasMenu)) {
    fail(
      ['dhcp_hosts', i, 'install'],
      `${label}: install '${String(h.install)}' ${h.install === 'always' ? 'needs a profile' : 'is not a known install mode'}`,
      'install: always (with a profile), or no install key',
      hint,
    );
  }
  if (hasMenu && (typeof h.name !== 'string' || !HOST_NAME.test(h.name))) {
    fail(
      ['dhcp_hosts', i, 'name'],
      `${label}: the name '${String(h.name)}' is not a host name`,
      'letters, digits, dot, dash and underscore, starting with a letter or digit',
      'a host with its own menu has a state file and a callback URL by this name',
    );
  }
}

function checkProfiles(profiles: unknown, isos: unknown, fail: Fail): void {
  if (!Array.isArray(profiles)) return;
  const media = Array.isArray(isos) ? new Set(isos.map((m) => (m as {name?: unknown})?.name)) : undefined;
  const hint =
    'a profile is {name, label, media (a media_isos name), kind (kickstart | preseed | autoinstall | manual)}';
  profiles.forEach((entry, i) => {
    const p = (entry ?? {}) as {name?: unknown; media?: unknown; kind?: unknown};
    const label = `pxe_profiles entry ${typeof p.name === 'string' ? p.name : i + 1}`;
    if (p.kind !== undefined && !PROFILE_KINDS.includes(String(p.kind))) {
      fail(
        ['pxe_profiles', i, 'kind'],
        `${label}: unknown kind '${String(p.kind)}'`,
        `one of: ${PROFILE_KINDS.join(', ')}`,
        hint,
      );
    }
    if (media && !media.has(p.media)) {
      fail(
        ['pxe_profiles', i, 'media'],
        `${label}: media '${String(p.media)}' is not in media_isos`,
        `one of the media_isos names: ${[...media].join(', ') || '(none defined)'}`,
        hint,
      );
    }
  });
}

/** A local ISO (not remote: true) must exist on the control machine, where the media module looks for it. */
function checkIsos(c: Check, isos: unknown, fail: Fail): void {
  if (!Array.isArray(isos)) return;
  // As the media role reads it: a relative ISO is relative to the inventory's directory.
  const base = typeof c.vars.inventory_dir === 'string' ? c.vars.inventory_dir : c.play.baseDir;
  isos.forEach((entry, i) => {
    const m = (entry ?? {}) as {name?: unknown; iso?: unknown; remote?: unknown};
    if (m.remote === true || typeof m.iso !== 'string' || m.iso.includes('{{')) return;
    const candidates = [isAbsolute(m.iso) ? m.iso : join(base, m.iso)];
    if (candidates.some((p) => existsSync(p))) return;
    fail(
      ['media_isos', i, 'iso'],
      `media_isos entry ${String(m.name ?? i + 1)}: ISO ${m.iso} does not exist`,
      `one of: ${candidates.join(', ')}`,
      'give the path of the ISO on this machine, or remote: true when it is already on the target',
    );
  });
}

/** The files that can set a variable for this host, highest precedence first (Ansible's order, simplified). */
export function varSources(play: Play, host: string, inventory: Inventory, extraVarFiles: string[]): string[] {
  const invDir = statSync(inventory.source).isDirectory() ? inventory.source : dirname(inventory.source);
  const groups = inventory.hosts.get(host)?.groups ?? [];
  const varsDirFiles = (kind: string, names: string[]) =>
    [invDir, play.baseDir].flatMap((base) => names.flatMap((name) => filesNamed(join(base, kind), name)));
  const inventoryFiles =
    inventory.source === invDir
      ? readdirSync(invDir)
          .map((n) => join(invDir, n))
          .filter((p) => statSync(p).isFile())
      : [inventory.source];
  // Deepest groups first: a child group's vars win over its parents'.
  const byDepth = [...groups].sort((a, b) => depth(inventory, b) - depth(inventory, a));
  return [
    ...extraVarFiles,
    play.pos.file,
    ...varsDirFiles('host_vars', [host]),
    ...inventoryFiles,
    ...varsDirFiles('group_vars', byDepth),
    ...play.roles.map((r) => join(r.dir, 'defaults', 'main.yaml')),
  ];
}

/** How far below 'all' a group sits (its longest chain of parents). */
function depth(inventory: Inventory, group: string, seen = new Set<string>()): number {
  if (seen.has(group)) return 0;
  seen.add(group);
  const parents = [...inventory.groups.values()].filter((g) => g.children.includes(group));
  return parents.length ? 1 + Math.max(...parents.map((p) => depth(inventory, p.name, seen))) : 0;
}

function filesNamed(dir: string, name: string): string[] {
  const found: string[] = [];
  for (const entry of [name, `${name}.yaml`, `${name}.yml`, `${name}.json`]) {
    const path = join(dir, entry);
    if (!existsSync(path)) continue;
    if (statSync(path).isDirectory())
      found.push(
        ...readdirSync(path)
          .sort()
          .map((n) => join(path, n)),
      );
    else found.push(path);
  }
  return found;
}

/** The file, line and column that set a variable (or a part of it: dhcp_hosts, 2, mac) for the host. */
function locate(path: YamlPath, c: Check): Where {
  const name = String(path[0]);
  for (const file of c.sources()) {
    if (!existsSync(file)) continue;
    const ext = extname(file);
    if (ext === '.yaml' || ext === '.yml' || ext === '.json' || (!ext && basename(dirname(file)).endsWith('_vars'))) {
      const y = loadYaml(file);
      const at = keyPath(y, name, c.host);
      if (at) return posAt(y, [...at, ...path.slice(1)]);
    } else {
      const lines = readFileSync(file, 'utf8').split('\n');
      const line = lines.findIndex((l) => new RegExp(`(^|\\s)${name}=`).test(l));
      if (line >= 0) return {file, line: line + 1, col: lines[line]!.search(new RegExp(`${name}=`)) + 1};
    }
  }
  return {};
}

/** The path of the first mapping key `name` in a YAML file, preferring one under the host's own entry. */
function keyPath(y: YamlFile, name: string, host: string): YamlPath | undefined {
  const found: string[][] = [];
  const walk = (value: unknown, at: string[]) => {
    if (!value || typeof value !== 'object' || at.length > 12) return;
    if (Array.isArray(value)) return value.forEach((item, i) => walk(item, [...at, String(i)]));
    for (const [key, inner] of Object.entries(value)) {
      if (key === name) found.push([...at, key]);
      else walk(inner, [...at, key]);
    }
  };
  walk(y.value, []);
  return found.find((p) => p.includes(host)) ?? found[0];
}
