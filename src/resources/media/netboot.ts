/**
 * netboot: a network installer's kernel and initrd (no install tree), such as Debian's
 * debian-installer-12-netboot-amd64 package files on the server, a pair of files on the control machine or
 * the two inside a netboot tarball, as <tftp_root>/<name>/vmlinuz and initrd.img, where boot menus find
 * every media's pair.
 * Both files go into a new directory that replaces the old pair by one atomic symlink swap, so a client
 * never boots a new kernel with an old initrd; the previous pair stays for clients still loading it.
 */
import {execFile} from 'node:child_process';
import {createReadStream} from 'node:fs';
import {mkdir, realpath, rename, rm, stat} from 'node:fs/promises';
import {createHash} from 'node:crypto';
import {join, posix} from 'node:path';
import {promisify} from 'node:util';
import {PxeError} from '../../errors.js';
import {stateText, unifiedDiff} from '../../report/diff.js';
import type {Agent, StatResult} from '../../transport/types.js';
import type {Resource, TaskContext} from '../types.js';
import {cacheDir, sha256File} from './iso.js';

const run = promisify(execFile);

export interface NetbootArgs {
  name: string;
  kernel: string;
  initrd: string;
  /** kernel and initrd are paths on the target (a package's files) instead of the control machine. */
  remote?: boolean;
  /** A netboot tarball on the control machine: kernel and initrd are paths inside it. */
  archive?: string;
  tftp_root?: string;
  /** Set by prepare: the local files' real paths, sizes and hashes. */
  local?: LocalFile[];
}

interface LocalFile {
  path: string;
  size: number;
  sha256: string;
}

interface Observed {
  link: StatResult;
  /** sha256 of the served vmlinuz and initrd.img ('' when absent). */
  served: string[];
  /** sha256 of the wanted kernel and initrd. */
  wanted: string[];
  sizes: number[];
}

export interface NetbootPlan {
  args: NetbootArgs;
  wanted: string[];
  sizes: number[];
  previous?: string;
}

const BOOT_NAMES = ['vmlinuz', 'initrd.img'] as const;
const BOOTS_DIR = '.pxeprov-boot';

const bootLink = (args: NetbootArgs) => posix.join(args.tftp_root ?? '/var/lib/tftpboot', args.name);
const sources = (args: NetbootArgs) => [args.kernel, args.initrd];

function missing(args: NetbootArgs, path: string, where: string, detail?: string): PxeError {
  // On the control machine a missing file is an input error; on the target an earlier task may still create it.
  return new PxeError(
    args.remote ? 'E_REMOTE' : 'E_FILE_NOT_FOUND',
    `media ${args.name}: ${path} ${detail ?? 'does not exist'} on the ${where}`,
    {
      expected:
        path === args.archive
          ? `the netboot tarball of media ${args.name}`
          : `the ${path === args.kernel ? 'kernel' : 'initrd'} file of media ${args.name} (kernel:/initrd:)`,
      hint: args.remote
        ? 'netboot_package installs them on the server: check the package ships these paths (dpkg -L <package>)'
        : 'kernel:/initrd: are files on the control machine (relative to the playbook or files/); remote: true for paths on the server',
    },
  );
}

/**
 * The kernel and initrd out of a netboot tarball (bsdtar reads tar, gzip, xz…), extracted once per
 * tarball version into the control machine's cache, keyed by its path, size and mtime.
 */
async function extractPair(args: NetbootArgs, archive: string): Promise<string[]> {
  const info = await stat(archive).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') throw missing(args, args.archive!, 'control machine');
    throw new PxeError('E_FILE_NOT_FOUND', `media ${args.name}: cannot read ${archive}: ${error.message}`, {
      cause: error,
    });
  });
  if (sources(args).some((p) => posix.isAbsolute(p) || posix.normalize(p).split('/').includes('..'))) {
    throw new PxeError('E_VARS', `media ${args.name}: kernel and initrd of a tarball are paths inside it`, {
      expected: 'relative paths without .., e.g. debian-installer/amd64/linux',
      hint: `list the tarball with bsdtar -tf ${args.archive}`,
    });
  }
  const real = await realpath(archive);
  const key = createHash('sha256')
    .update(`${real}\0${info.size}\0${info.mtimeMs}\0${sources(args).join('\0')}`)
    .digest('hex');
  const dir = join(cacheDir(), 'netboot', key);
  const paths = sources(args).map((p) => join(dir, 'tree', posix.normalize(p)));
  if (
    (
      await Promise.all(
        paths.map((p) =>
          stat(p).then(
            (s) => s.isFile(),
            () => false,
          ),
        ),
      )
    ).every(Boolean)
  )
    return paths;
  const staging = `${dir}.tmp-${process.pid}`;
  await rm(staging, {recursive: true, force: true});
  await mkdir(join(staging, 'tree'), {recursive: true});
  try {
    await run('bsdtar', ['-x', '-f', real, '-C', join(staging, 'tree'), '--', ...sources(args)], {
      maxBuffer: 16 * 1024 * 1024,
    });
  } catch (cause) {
    await rm(staging, {recursive: true, force: true});
    const noTool = (cause as NodeJS.ErrnoException).code === 'ENOENT';
    throw new PxeError(
      noTool ? 'E_FILE_NOT_FOUND' : 'E_VARS',
      noTool
        ? 'bsdtar is not installed on the control machine'
        : `media ${args.name}: ${args.archive} has no ${sources(args).join(' or ')}, or is not a readable archive`,
      {
        cause,
        expected: 'the kernel and initrd paths inside the tarball (media kernel:/initrd:)',
        hint: noTool
          ? 'apt-get install libarchive-tools'
          : `bsdtar says: ${String((cause as {stderr?: string}).stderr ?? '').trim()} (list it with bsdtar -tf ${args.archive})`,
      },
    );
  }
  await rm(dir, {recursive: true, force: true});
  await rename(staging, dir);
  return paths;
}

export const netboot: Resource<NetbootArgs, Observed, NetbootPlan> = {
  name: 'netboot',
  schema: {
    type: 'object',
    description:
      "Serve a network installer's kernel and initrd (no install tree) as <tftp_root>/<name>/vmlinuz and initrd.img.",
    properties: {
      name: {
        type: 'string',
        pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$',
        description: 'The media name: <tftp_root>/<name>/.',
      },
      kernel: {
        type: 'string',
        minLength: 1,
        description: 'The kernel: a file on the control machine, or on the target with remote: true.',
      },
      initrd: {
        type: 'string',
        minLength: 1,
        description: 'The initrd: a file on the control machine, or on the target with remote: true.',
      },
      remote: {
        type: 'boolean',
        description: 'kernel and initrd are paths on the target (e.g. files of an installed netboot package).',
      },
      archive: {
        type: 'string',
        minLength: 1,
        description: 'A netboot tarball on the control machine; kernel and initrd are paths inside it.',
      },
      tftp_root: {type: 'string', description: 'The TFTP root (default /var/lib/tftpboot).'},
    },
    required: ['name', 'kernel', 'initrd'],
    additionalProperties: false,
  },

  async prepare(args, ctx: TaskContext) {
    if (args.remote) return args;
    const inside = args.archive ? await extractPair(args, ctx.resolveFile(args.archive)) : undefined;
    const local = await Promise.all(
      sources(args).map(async (src, i) => {
        const path = inside ? inside[i]! : ctx.resolveFile(src);
        const info = await stat(path).catch((error: NodeJS.ErrnoException) => {
          if (error.code === 'ENOENT') throw missing(args, src, 'control machine');
          throw new PxeError('E_FILE_NOT_FOUND', `media ${args.name}: cannot read ${path}: ${error.message}`, {
            cause: error,
          });
        });
        if (!info.isFile()) throw missing(args, src, 'control machine', 'is not a regular file');
        return {path, size: info.size, sha256: await sha256File(path)};
      }),
    );
    return {...args, local};
  },

  async read(args, agent: Agent) {
    const link = bootLink(args);
    const [linkStat, ...served] = await agent.stat([link, ...BOOT_NAMES.map((n) => posix.join(link, n))], {
      sha256: true,
    });
    let wanted: string[];
    let sizes: number[];
    if (args.remote) {
      const found = await agent.stat(sources(args), {sha256: true});
      found.forEach((s, i) => {
        if (s.kind !== 'file')
          throw missing(
            args,
            sources(args)[i]!,
            'target',
            s.kind === 'absent' ? undefined : `is a ${s.kind}, not a regular file`,
          );
      });
      wanted = found.map((s) => s.sha256!);
      sizes = found.map((s) => s.size!);
    } else {
      wanted = args.local!.map((f) => f.sha256);
      sizes = args.local!.map((f) => f.size);
    }
    return {link: linkStat!, served: served.map((s) => (s.kind === 'file' ? s.sha256! : '')), wanted, sizes};
  },

  diff(args, observed) {
    const {link, served, wanted, sizes} = observed;
    const swapped = link.kind === 'link' && link.target!.startsWith(`${BOOTS_DIR}/${args.name}-`);
    if (swapped && served.every((sha, i) => sha === wanted[i]))
      return {ok: `${args.name}: kernel and initrd are up to date`};
    const listing = (hashes: string[]) =>
      stateText(Object.fromEntries(BOOT_NAMES.map((n, i) => [n, hashes[i] || 'absent'])));
    return {
      summary: `serve ${args.archive ? `${args.archive}: ` : ''}${sources(args).join(' and ')} (${((sizes[0]! + sizes[1]!) / 1e6).toFixed(1)} MB) as ${bootLink(args)}/vmlinuz and initrd.img`,
      diff: unifiedDiff(`${bootLink(args)} (netboot)`, listing(served), listing(wanted)),
      plan: {args, wanted, sizes, previous: link.kind === 'link' ? link.target : undefined},
    };
  },

  async apply(plan, agent: Agent, ctx: TaskContext) {
    const {args, wanted, sizes, previous} = plan;
    const tftp = posix.dirname(bootLink(args));
    const tag = createHash('sha256').update(wanted.join('\n')).digest('hex').slice(0, 12);
    const dirName = `${args.name}-${tag}`;
    const dir = posix.join(tftp, BOOTS_DIR, dirName);
    const staging = `${dir}.tmp`;
    const run = async (argv: string[]) => {
      const result = await agent.exec(argv, {timeout: 600});
      if (result.rc !== 0)
        throw new PxeError('E_TASK', `${argv.join(' ')} failed: ${result.stderr.toString().trim()}`, {
          where: {host: ctx.host, task: ctx.task.name},
        });
    };
    await run(['rm', '-rf', '--', staging]);
    await agent.mkdir(posix.join(tftp, BOOTS_DIR), {parents: true});
    await agent.mkdir(staging, {mode: 0o755});
    for (const [i, name] of BOOT_NAMES.entries()) {
      const to = posix.join(staging, name);
      if (args.remote) await run(['cp', '--', sources(args)[i]!, to]);
      else await agent.upload(to, createReadStream(args.local![i]!.path), sizes[i]!, {mode: 0o644, sha256: wanted[i]});
    }
    // A package may be updated between read and copy: what is served must be what was planned.
    const copied = await agent.stat(
      BOOT_NAMES.map((n) => posix.join(staging, n)),
      {sha256: true},
    );
    if (copied.some((s, i) => s.sha256 !== wanted[i])) {
      await run(['rm', '-rf', '--', staging]);
      throw new PxeError('E_TASK', `media ${args.name}: ${sources(args).join(' or ')} changed while being copied`, {
        where: {host: ctx.host, task: ctx.task.name},
        hint: 'run up again',
      });
    }
    await run(['chmod', '0644', '--', ...copied.map((s) => s.path)]);
    await run(['rm', '-rf', '--', dir]);
    await run(['mv', '-T', '--', staging, dir]);
    await agent.symlink(posix.join(BOOTS_DIR, dirName), bootLink(args));
    // Keep the previous pair for clients still loading it; older ones go.
    const keep = new Set([dirName, previous && posix.basename(previous)]);
    const listed = await agent.exec([
      'find',
      posix.join(tftp, BOOTS_DIR),
      '-mindepth',
      '1',
      '-maxdepth',
      '1',
      '-name',
      `${args.name}-${'?'.repeat(12)}`,
    ]);
    if (listed.rc !== 0)
      throw new PxeError(
        'E_TASK',
        `listing ${posix.join(tftp, BOOTS_DIR)} failed: ${listed.stderr.toString().trim()}`,
        {where: {host: ctx.host, task: ctx.task.name}},
      );
    const stale = listed.stdout
      .toString()
      .split('\n')
      .filter((p) => p && !keep.has(posix.basename(p)));
    if (stale.length) await run(['rm', '-rf', '--', ...stale]);
  },
};
