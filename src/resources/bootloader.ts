/**
 * bootloader: boot loader files (pxelinux, syslinux.efi, shim, GRUB, iPXE, memtest) copied into the TFTP root
 * from the target's own packages. Their paths differ between releases, so each name has candidates;
 * all candidates and destinations are stat'ed (with sha256) in one request.
 */
import {posix} from 'node:path';
import {PxeError} from '../errors.js';
import {stateText, unifiedDiff} from '../report/diff.js';
import type {Agent, StatResult} from '../transport/types.js';
import type {Resource, TaskContext} from './types.js';

const SYSLINUX_BIOS = ['/usr/lib/syslinux/modules/bios', '/usr/lib/syslinux', '/usr/share/syslinux'];

/** Where Debian and Ubuntu releases put each file (first existing wins). */
export const CANDIDATES: Record<string, string[]> = {
  'pxelinux.0': ['/usr/lib/PXELINUX/pxelinux.0', '/usr/lib/syslinux/pxelinux.0', '/usr/share/syslinux/pxelinux.0'],
  'lpxelinux.0': ['/usr/lib/PXELINUX/lpxelinux.0', '/usr/lib/syslinux/lpxelinux.0', '/usr/share/syslinux/lpxelinux.0'],
  ...Object.fromEntries(
    [
      'ldlinux.c32',
      'menu.c32',
      'vesamenu.c32',
      'libutil.c32',
      'libcom32.c32',
      'chain.c32',
      'reboot.c32',
      'poweroff.c32',
    ].map((name) => [name, SYSLINUX_BIOS.map((dir) => `${dir}/${name}`)]),
  ),
  'syslinux.efi': ['/usr/lib/SYSLINUX.EFI/efi64/syslinux.efi', '/usr/share/syslinux/efi64/syslinux.efi'],
  'ldlinux.e64': ['/usr/lib/syslinux/modules/efi64/ldlinux.e64', '/usr/share/syslinux/efi64/ldlinux.e64'],
  ...Object.fromEntries(
    ['menu.c32', 'vesamenu.c32', 'libutil.c32', 'libcom32.c32'].map((name) => [
      `efi64/${name}`,
      [`/usr/lib/syslinux/modules/efi64/${name}`, `/usr/share/syslinux/efi64/${name}`],
    ]),
  ),
  'shimx64.efi': [
    '/usr/lib/shim/shimx64.efi.signed',
    '/usr/lib/shim/shimx64.efi.signed.latest',
    '/usr/lib/shim/shimx64.efi',
  ],
  'grubnetx64.efi': ['/usr/lib/grub/x86_64-efi-signed/grubnetx64.efi.signed'],
  'undionly.kpxe': ['/usr/lib/ipxe/undionly.kpxe'],
  'snponly.efi': ['/usr/lib/ipxe/snponly.efi'],
  'x86_64-efi/http.mod': ['/usr/lib/grub/x86_64-efi/http.mod'],
  memtest: [
    '/boot/memtest86+x64.bin',
    '/boot/memtest86+.bin',
    '/usr/lib/memtest86+/memtest86+x64.bin',
    '/boot/memtest86+_x64.bin',
  ],
};

export interface BootFile {
  /** A name of the candidate table, or any name with src. */
  name: string;
  /** Path under dest (default: the name's last component). */
  dest?: string;
  /** Candidate source paths on the target, instead of the table's. */
  src?: string[];
  /** A missing source is skipped, not an error (memtest). */
  optional?: boolean;
}

export interface BootloaderArgs {
  dest: string;
  files: (string | BootFile)[];
}

interface Observed {
  stats: Map<string, StatResult>;
}

export interface Copy {
  from: string;
  to: string;
  name: string;
}

function normalize(file: string | BootFile): Required<Omit<BootFile, 'optional'>> & {optional: boolean} {
  const spec = typeof file === 'string' ? {name: file} : file;
  const src = spec.src ?? CANDIDATES[spec.name];
  if (!src) {
    throw new PxeError('E_MODULE_ARGS', `bootloader: no known source for '${spec.name}'`, {
      hint: `give src: [paths on the target], or use one of ${Object.keys(CANDIDATES).join(', ')}`,
    });
  }
  return {name: spec.name, dest: spec.dest ?? spec.name, src, optional: spec.optional ?? false};
}

/** Which files to copy (source sha differs from the destination's); pure. */
export function planBootFiles(
  args: BootloaderArgs,
  stats: Map<string, StatResult>,
  checkMode: boolean,
): {copies: Copy[]; pending: string[]} {
  const copies: Copy[] = [];
  const pending: string[] = [];
  for (const file of args.files.map(normalize)) {
    const to = posix.join(args.dest, file.dest);
    const from = file.src.find((path) => stats.get(path)?.kind === 'file');
    if (!from) {
      if (file.optional) continue;
      if (checkMode) {
        pending.push(file.name);
        continue;
      }
      throw new PxeError('E_TASK', `${file.name} is not on the host (looked in ${file.src.join(', ')})`, {
        hint: 'install the package that ships it first (pxelinux, syslinux-common, syslinux-efi, shim-signed, grub-efi-amd64-signed, grub-efi-amd64-bin, ipxe)',
      });
    }
    if (stats.get(from)!.sha256 !== stats.get(to)?.sha256 || stats.get(to)?.kind !== 'file')
      copies.push({from, to, name: file.name});
  }
  return {copies, pending};
}

export const bootloader: Resource<BootloaderArgs, Observed, Copy[]> = {
  name: 'bootloader',
  schema: {
    type: 'object',
    description:
      "Copy boot loader files (pxelinux.0, ldlinux.c32, syslinux.efi, shim, GRUB, memtest) from the host's packages into the TFTP root.",
    properties: {
      dest: {type: 'string', description: 'The TFTP root.'},
      files: {
        type: 'array',
        description: 'Names from the built-in table, or {name, dest, src, optional}.',
        items: {
          anyOf: [
            {type: 'string'},
            {
              type: 'object',
              properties: {
                name: {type: 'string'},
                dest: {type: 'string', description: 'Path under dest.'},
                src: {type: 'array', items: {type: 'string'}, description: 'Candidate paths on the target.'},
                optional: {type: 'boolean', description: 'Skip when no candidate exists.'},
              },
              required: ['name'],
              additionalProperties: false,
            },
          ],
        },
      },
    },
    required: ['dest', 'files'],
    additionalProperties: false,
  },

  async read(args, agent: Agent) {
    const files = args.files.map(normalize);
    const paths = [...files.flatMap((f) => f.src), ...files.map((f) => posix.join(args.dest, f.dest))];
    let stats = await agent.stat(paths, {sha256: true});
    // Packages often ship a file as a symlink (e.g. shim's .latest): hash what it points to.
    const links = stats.filter((s) => s.kind === 'link' && s.target);
    if (links.length > 0) {
      const resolved = await agent.stat(
        links.map((s) => posix.resolve(posix.dirname(s.path), s.target!)),
        {sha256: true},
      );
      stats = stats.map((s) => {
        const at = links.indexOf(s);
        return at < 0 ? s : {...resolved[at]!, path: s.path};
      });
    }
    return {stats: new Map(stats.map((s) => [s.path, s]))};
  },

  diff(args, observed, ctx: TaskContext) {
    const {copies, pending} = planBootFiles(args, observed.stats, ctx.checkMode);
    if (copies.length === 0 && pending.length === 0) return {ok: 'boot files up to date'};
    const line = (path: string) => stateText({[path]: observed.stats.get(path)?.sha256 ?? 'absent'});
    const diff = unifiedDiff(
      `${args.dest} (boot files)`,
      copies.map((c) => line(c.to)).join(''),
      copies.map((c) => stateText({[c.to]: observed.stats.get(c.from)!.sha256})).join(''),
    );
    const summary = [
      copies.length ? `copy ${copies.map((c) => c.name).join(', ')}` : '',
      pending.length ? `would copy ${pending.join(', ')} once installed` : '',
    ]
      .filter(Boolean)
      .join('; ');
    return {summary, diff, plan: copies};
  },

  async apply(copies, agent: Agent) {
    await Promise.all(
      copies.map(async (copy) => {
        const content = await agent.readFile(copy.from);
        if (content === null) throw new PxeError('E_TASK', `${copy.from} disappeared`);
        await agent.mkdir(posix.dirname(copy.to), {parents: true});
        await agent.writeFile(copy.to, content, {mode: 0o644});
      }),
    );
  },
};
