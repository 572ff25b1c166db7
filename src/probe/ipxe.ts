/**
 * iPXE scripts as iPXE reads them: each line split at spaces (no quoting), a word starting with '#' ends it,
 * `&&`, `||` and `;` join commands by their status, `${name}` and `${name:type}` expand settings (an unknown one
 * is empty). Reads what a client would do without a keypress: the scripts it chains to first, the menu's items,
 * its default and each item's kernel and initrds. Pure.
 */

export interface IpxeItem {
  name: string;
  label: string;
  kernel?: string;
  initrds: string[];
  /** The kernel's command line. */
  args: string;
  /** The item leaves iPXE (`exit`): back to the firmware's next boot device. */
  exit: boolean;
}

export interface IpxeScript {
  /** URLs `chain` tries, in order, before the script's own menu. */
  chains: string[];
  items: IpxeItem[];
  /** `choose --default`. */
  default?: string;
}

/** The settings a client has: `netX/mac` (and its `:hexhyp` form) and `platform`. */
export function clientSettings(mac: string, platform: 'pcbios' | 'efi'): Map<string, string> {
  const lower = mac.toLowerCase();
  return new Map([
    ['netX/mac', lower],
    ['netX/mac:hexhyp', lower.replaceAll(':', '-')],
    ['platform', platform],
  ]);
}

/** Expands settings as iPXE does: the innermost `${...}` first, again until none is left. */
export function expandIpxe(word: string, settings: Map<string, string>): string {
  let text = word;
  for (let m = /\$\{([^${}]*)\}/.exec(text); m; m = /\$\{([^${}]*)\}/.exec(text)) {
    const name = m[1]!;
    const value = settings.get(name) ?? settings.get(name.replace(/:[a-z]+$/, '')) ?? '';
    text = text.slice(0, m.index) + value + text.slice(m.index + m[0].length);
  }
  return text;
}

/** Options (`--name value` or `--flag`) and the other words of a command. */
function options(words: string[], flags: string[] = []): {opts: Map<string, string>; rest: string[]} {
  const opts = new Map<string, string>();
  let i = 0;
  for (; i < words.length && words[i]!.startsWith('--'); i++) {
    const name = words[i]!.slice(2);
    opts.set(name, flags.includes(name) ? '' : (words[++i] ?? ''));
  }
  return {opts, rest: words.slice(i)};
}

/** Runs the commands a script would run; `chain` is recorded and taken as failed (the probe follows it itself). */
export function parseIpxeScript(text: string, settings: Map<string, string>): IpxeScript {
  const script: IpxeScript = {chains: [], items: []};
  const vars = new Map(settings);
  const sections = new Map<string, Omit<IpxeItem, 'name' | 'label'>>();
  let section: Omit<IpxeItem, 'name' | 'label'> | undefined;
  const run = (words: string[]): boolean => {
    const [command, ...args] = words;
    // `item --default` is a flag, `choose --default` takes the item.
    const {opts, rest} = options(args, command === 'choose' ? [] : ['autofree', 'replace', 'default', 'gap']);
    switch (command) {
      case 'set':
        vars.set(args[0] ?? '', args.slice(1).join(' '));
        return true;
      case 'iseq':
        return args[0] === args[1];
      case 'isset':
        return (args[0] ?? '') !== '';
      case 'chain':
        if (!section) script.chains.push(rest[0] ?? '');
        else section.kernel ??= rest[0];
        return false;
      case 'item':
        if (rest[0])
          script.items.push({name: rest[0], label: rest.slice(1).join(' '), initrds: [], args: '', exit: false});
        return true;
      case 'choose':
        script.default = opts.get('default');
        return true;
      case 'kernel':
        if (section) [section.kernel, section.args] = [rest[0], rest.slice(1).join(' ')];
        return true;
      case 'initrd':
        if (section && rest[0]) section.initrds.push(rest[0]);
        return true;
      case 'exit':
        if (section) section.exit = true;
        return true;
      default:
        return true;
    }
  };
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line.startsWith(':')) {
      section = {initrds: [], args: '', exit: false};
      sections.set(line.slice(1), section);
      continue;
    }
    const words = line.split(/\s+/).filter(Boolean);
    const end = words.findIndex((w) => w.startsWith('#'));
    let ok = true;
    let take = true;
    let command: string[] = [];
    for (const word of [...words.slice(0, end < 0 ? words.length : end), ';']) {
      if (!['&&', '||', ';'].includes(word)) {
        command.push(word);
        continue;
      }
      if (take && command.length > 0) ok = run(command.map((w) => expandIpxe(w, vars)));
      else if (take) ok = true;
      take = word === '&&' ? ok : word === '||' ? !ok : true;
      command = [];
    }
  }
  script.items = script.items.map((item) => ({...item, ...(sections.get(item.name) ?? {})}));
  return script;
}

/** The item a client boots without a keypress: the default, else the first. */
export function defaultItem(script: IpxeScript): IpxeItem | undefined {
  return script.items.find((i) => i.name === script.default) ?? script.items[0];
}
