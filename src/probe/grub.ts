/** GRUB network config: the grub.cfg names it tries and a parser for its linux/initrd lines. Pure. */

/** grub.cfg-UUID, grub.cfg-MAC (dashes), grub.cfg-HEXIP and its prefixes, grub.cfg (GRUB manual, "Network"). */
export function grubConfigNames(dir: string, o: {uuid?: string; mac: string; ip: string}): string[] {
  const base = dir ? `${dir.replace(/\/+$/, '')}/grub.cfg` : 'grub.cfg';
  const names: string[] = [];
  if (o.uuid) names.push(`${base}-${o.uuid.toLowerCase()}`);
  names.push(`${base}-${o.mac.toLowerCase().replace(/:/g, '-')}`);
  const hex = o.ip
    .split('.')
    .map((n) => Number(n).toString(16).toUpperCase().padStart(2, '0'))
    .join('');
  for (let len = 8; len >= 1; len--) names.push(`${base}-${hex.slice(0, len)}`);
  names.push(base);
  return names;
}

export interface GrubEntry {
  title: string;
  linux?: string;
  initrds: string[];
  args: string;
  line: number;
}

export interface GrubConfig {
  entries: GrubEntry[];
  /** `set default=` as written (a number or a title). */
  default?: string;
  /** configfile / source targets. */
  includes: string[];
}

/** Splits a GRUB command line into words, honouring single and double quotes. */
export function grubWords(line: string): string[] {
  const words: string[] = [];
  for (const m of line.matchAll(/'([^']*)'|"((?:[^"\\]|\\.)*)"|(\S+)/g)) words.push(m[1] ?? m[2] ?? m[3]!);
  return words;
}

/**
 * Reads the menu entries. A variable set in the file (`set media_root=...`, also inside an `if`) is expanded in
 * the paths of linux and initrd as a client that ran that `set` sees them.
 */
export function parseGrubCfg(text: string): GrubConfig {
  const config: GrubConfig = {entries: [], includes: []};
  const vars = new Map<string, string>();
  let current: GrubEntry | undefined;
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    if (!line || line.startsWith('#')) return;
    const words = grubWords(
      line.replace(
        /\$\{(\w+)\}|\$(\w+)/g,
        (whole, braced?: string, bare?: string) => vars.get((braced ?? bare)!) ?? whole,
      ),
    );
    const cmd = words[0]!;
    if (cmd === 'menuentry') {
      current = {title: words[1] ?? '', initrds: [], args: '', line: index + 1};
      config.entries.push(current);
    } else if (cmd === '}') {
      current = undefined;
    } else if ((cmd === 'linux' || cmd === 'linuxefi') && current) {
      current.linux = words[1];
      current.args = words.slice(2).join(' ');
    } else if ((cmd === 'initrd' || cmd === 'initrdefi') && current) {
      current.initrds.push(...words.slice(1));
    } else if (cmd === 'set' && /^default=/.test(words[1] ?? '')) {
      config.default = words[1]!.slice('default='.length);
    } else if (cmd === 'set' && /^\w+=/.test(words[1] ?? '')) {
      const [name, ...value] = words[1]!.split('=');
      vars.set(name!, value.join('='));
    } else if ((cmd === 'configfile' || cmd === 'source') && words[1]) {
      config.includes.push(words[1]);
    }
  });
  return config;
}

/** The entry GRUB boots after its timeout. */
export function defaultEntry(config: GrubConfig): GrubEntry | undefined {
  const d = config.default;
  if (d !== undefined && /^\d+$/.test(d)) return config.entries[Number(d)];
  return config.entries.find((e) => e.title === d) ?? config.entries[0];
}

/** GRUB paths: (tftp)/x, (tftp,ip)/x, ($root)/x, /x -> the TFTP path x. */
export function grubTftpPath(path: string): string {
  return path.replace(/^\([^)]*\)/, '').replace(/^\/+/, '');
}
