/** pxelinux: the config file names it asks for, in order, and a parser of its config language. Pure. */

/**
 * pxelinux.cfg/ names in the order pxelinux tries them (syslinux docs; a CentOS 7 server's tftpd log):
 * the client UUID, 01-MAC, the IP in upper-case hex and each shorter prefix, then default.
 */
export function pxelinuxConfigNames(o: {uuid?: string; mac: string; ip: string}): string[] {
  const names: string[] = [];
  if (o.uuid) names.push(formatUuid(o.uuid));
  names.push(`01-${o.mac.toLowerCase().replace(/:/g, '-')}`);
  const hex = o.ip
    .split('.')
    .map((n) => Number(n).toString(16).toUpperCase().padStart(2, '0'))
    .join('');
  for (let len = 8; len >= 1; len--) names.push(hex.slice(0, len));
  names.push('default');
  return names.map((name) => `pxelinux.cfg/${name}`);
}

export function formatUuid(uuid: string): string {
  const h = uuid.toLowerCase().replace(/-/g, '');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

export interface PxelinuxLabel {
  name: string;
  kernel?: string;
  /** From INITRD and every APPEND initrd=a,b. */
  initrds: string[];
  append: string;
  localboot: boolean;
  /** Line of the LABEL in its file. */
  line: number;
}

export interface PxelinuxConfig {
  default?: string;
  /** UI or DEFAULT naming a menu module (vesamenu.c32, menu.c32). */
  ui?: string;
  labels: PxelinuxLabel[];
  /** INCLUDE / MENU INCLUDE targets, to fetch and parse too. */
  includes: string[];
}

/** Parses one pxelinux config file (keywords are case-insensitive; TEXT HELP … ENDTEXT is skipped). */
export function parsePxelinux(text: string): PxelinuxConfig {
  const config: PxelinuxConfig = {labels: [], includes: []};
  let current: PxelinuxLabel | undefined;
  let inText = false;
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    if (inText) {
      if (/^endtext\b/i.test(line)) inText = false;
      return;
    }
    if (!line || line.startsWith('#')) return;
    const m = /^(\S+)\s*(.*)$/.exec(line)!;
    const key = m[1]!.toLowerCase();
    const rest = m[2]!.trim();
    if (key === 'text' && /^help\b/i.test(rest)) {
      inText = true;
    } else if (key === 'label') {
      current = {name: rest, initrds: [], append: '', localboot: false, line: index + 1};
      config.labels.push(current);
    } else if (key === 'kernel' || key === 'linux') {
      if (current) current.kernel = rest.split(/\s+/)[0];
    } else if (key === 'initrd') {
      if (current)
        current.initrds.push(
          ...rest
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean),
        );
    } else if (key === 'append') {
      if (!current) return;
      current.append = rest;
      for (const arg of rest.split(/\s+/)) {
        if (arg.startsWith('initrd=')) current.initrds.push(...arg.slice(7).split(',').filter(Boolean));
      }
    } else if (key === 'localboot') {
      if (current) current.localboot = true;
    } else if (key === 'default') {
      const [first] = rest.split(/\s+/);
      if (first && /\.c32$/i.test(first)) config.ui = first;
      else config.default = first;
    } else if (key === 'ui') {
      config.ui = rest.split(/\s+/)[0];
    } else if (key === 'include') {
      config.includes.push(rest.split(/\s+/)[0]!);
    } else if (key === 'menu') {
      const sub = /^(\S+)\s*(.*)$/.exec(rest);
      if (sub?.[1]?.toLowerCase() === 'include') config.includes.push(sub[2]!.split(/\s+/)[0]!);
      if (sub?.[1]?.toLowerCase() === 'default' && current) config.default ??= current.name;
    }
  });
  return config;
}

/** Adds an included file's labels to the including config (pxelinux reads them in place). */
export function mergeInclude(into: PxelinuxConfig, included: PxelinuxConfig): void {
  into.labels.push(...included.labels);
  into.default ??= included.default;
  into.ui ??= included.ui;
}

/** The label a client boots without a keypress: DEFAULT's, else the first. */
export function defaultLabel(config: PxelinuxConfig): PxelinuxLabel | undefined {
  return config.labels.find((l) => l.name === config.default) ?? config.labels[0];
}
