/**
 * media: an install ISO's content as a tree under /srv/install/<name>, its kernel and initrd under the
 * TFTP root, and a per-file sha256 manifest under /var/lib/pxeprov/media. An unchanged ISO costs one
 * round trip; an updated one copies only the files that differ (into a hard-linked copy of the old
 * tree), and the new tree and boot files replace the old ones by atomic symlink swaps, so a client
 * booting during the update never sees a mix. Every check lists the tree once and compares each file's
 * size and mtime with what was written (drift.ts); `up` puts back only the files that differ.
 */
import {createReadStream} from 'node:fs';
import {posix} from 'node:path';
import {PxeError} from '../../errors.js';
import {stateText, unifiedDiff} from '../../report/diff.js';
import type {Agent, StatResult, TreeEntry} from '../../transport/types.js';
import type {Resource, TaskContext} from '../types.js';
import {manifestDelta, openLocalIso, type LocalIso, type Manifest} from './iso.js';
import {
  driftCount,
  driftDiff,
  parentDirs,
  readTree,
  recordOf,
  repairPlan,
  treeDrift,
  type TreeRecord,
} from './drift.js';

export interface MediaArgs {
  name: string;
  iso: string;
  /** The ISO is already on the target at `iso`. */
  remote?: boolean;
  root?: string;
  tftp_root?: string;
  kernel?: string;
  initrd?: string;
  local?: LocalIso;
}

interface TargetManifest extends Manifest {
  tree: string;
  boot: string;
  /** For a remote ISO: its size and mtime when it was extracted. */
  source?: string;
  /** Size and mtime of each file of the tree as written, and its symlinks: the quick check's reference. */
  record?: TreeRecord;
  /** Size and mtime of vmlinuz and initrd.img in the boot dir as written: without it they are hashed on every read. */
  bootRecord?: TreeRecord['files'];
}

interface Layout {
  link: string;
  bootLink: string;
  manifestPath: string;
  treesDir: string;
  bootsDir: string;
}

interface Observed {
  manifest: TargetManifest | null;
  stats: Map<string, StatResult>;
  layout: Layout;
  /** The recorded tree as listed now (with sha256 under --checksum). */
  entries: TreeEntry[];
}

/** A new or updated ISO: a new tree beside the old one, then swapped in. */
interface ReplacePlan {
  kind: 'replace';
  args: MediaArgs;
  layout: Layout;
  old: TargetManifest | null;
  id: string;
  copy: string[];
  remove: string[];
}

/** Same ISO, tree drifted: put back these files and links of old.tree in place, after removing these. */
interface RepairPlan {
  kind: 'repair';
  args: MediaArgs;
  layout: Layout;
  old: TargetManifest;
  repair: {files: string[]; links: string[]; remove: string[]};
}

export type MediaPlan = ReplacePlan | RepairPlan;

const STATE_DIR = '/var/lib/pxeprov/media';

function layout(args: MediaArgs): Layout {
  const root = args.root ?? '/srv/install';
  const tftp = args.tftp_root ?? '/var/lib/tftpboot';
  return {
    link: posix.join(root, args.name),
    bootLink: posix.join(tftp, args.name),
    manifestPath: posix.join(STATE_DIR, `${args.name}.json`),
    treesDir: posix.join(root, '.pxeprov-trees'),
    bootsDir: posix.join(tftp, '.pxeprov-boot'),
  };
}

const kernelOf = (args: MediaArgs) => args.kernel ?? 'images/pxeboot/vmlinuz';
const initrdOf = (args: MediaArgs) => args.initrd ?? 'images/pxeboot/initrd.img';
/** Whatever the ISO calls them, boot menus find them as <tftp_root>/<name>/vmlinuz and initrd.img. */
const BOOT_NAMES = ['vmlinuz', 'initrd.img'] as const;

function requireBootFiles(args: MediaArgs, files: Record<string, unknown>, what: string): void {
  const missing = [kernelOf(args), initrdOf(args)].filter((path) => !(path in files));
  if (missing.length === 0) return;
  const found = Object.keys(files).filter((p) => /(^|\/)(vmlinuz|linux|initrd(\.img|\.gz|\.lz)?)$/.test(p));
  throw new PxeError('E_VARS', `${what} has no ${missing.join(' or ')}`, {
    expected: 'the kernel and initrd paths inside the ISO (media kernel:/initrd:)',
    hint: found.length
      ? `the ISO has: ${found.join(', ')}`
      : 'this ISO has no kernel or initrd at all: is it a network-install ISO?',
  });
}

export const media: Resource<MediaArgs, Observed, MediaPlan> = {
  name: 'media',
  schema: {
    type: 'object',
    description:
      'Extract an install ISO into /srv/install/<name>, its kernel and initrd as <tftp_root>/<name>/vmlinuz and initrd.img.',
    properties: {
      name: {
        type: 'string',
        pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$',
        description: 'The tree name: /srv/install/<name>, <tftp_root>/<name>/.',
      },
      iso: {type: 'string', description: 'The ISO on the control machine (or on the target with remote: true).'},
      remote: {type: 'boolean', description: 'iso is a path on the target (extracted there with bsdtar).'},
      root: {type: 'string', description: 'Where trees live (default /srv/install).'},
      tftp_root: {type: 'string', description: 'The TFTP root (default /var/lib/tftpboot).'},
      kernel: {type: 'string', description: 'The kernel inside the ISO (default images/pxeboot/vmlinuz).'},
      initrd: {type: 'string', description: 'The initrd inside the ISO (default images/pxeboot/initrd.img).'},
    },
    required: ['name', 'iso'],
    additionalProperties: false,
  },

  async prepare(args: MediaArgs, ctx: TaskContext) {
    if (args.remote) return args;
    const local = await openLocalIso(ctx.resolveFile(args.iso));
    requireBootFiles(args, local.manifest.files, `ISO ${args.iso}`);
    return {...args, local};
  },

  async read(args, agent: Agent, ctx: TaskContext) {
    const where = layout(args);
    const [content, stats] = await Promise.all([
      agent.readFile(where.manifestPath),
      agent.stat([where.link, where.bootLink, ...(args.remote ? [args.iso] : [])]),
    ]);
    if (args.remote && stats[2]!.kind !== 'file') {
      throw new PxeError('E_FILE_NOT_FOUND', `ISO ${args.iso} does not exist on the target`, {
        hint: 'check media iso:, or drop remote: true to upload it from the control machine',
      });
    }
    const manifest = content ? (JSON.parse(content.toString()) as TargetManifest) : null;
    const [more, entries] = manifest
      ? await Promise.all([
          agent.stat([manifest.tree, ...BOOT_NAMES.map((name) => posix.join(manifest.boot, name))], {
            sha256: ctx.checksum || !manifest.bootRecord,
          }),
          readTree(agent, manifest.tree, ctx.checksum),
        ])
      : [[], []];
    return {manifest, stats: new Map([...stats, ...more].map((s) => [s.path, s])), layout: where, entries};
  },

  diff(args, observed, ctx) {
    const {manifest: old, stats, layout: where} = observed;
    let id: string;
    if (args.remote) {
      const iso = stats.get(args.iso)!;
      id = `remote:${iso.size}:${iso.mtime}`;
    } else {
      id = args.local!.manifest.iso.sha256;
    }
    const sameIso = old !== null && (args.remote ? old.source === id : old.iso.sha256 === id);
    const healthy =
      old !== null &&
      stats.get(old.tree)?.kind === 'directory' &&
      stats.get(where.link)?.target === posix.relative(posix.dirname(where.link), old.tree) &&
      stats.get(where.bootLink)?.target === posix.relative(posix.dirname(where.bootLink), old.boot) &&
      [kernelOf(args), initrdOf(args)].every((p, i) =>
        bootIntact(
          stats.get(posix.join(old.boot, BOOT_NAMES[i]!)),
          old.files[p]?.sha256,
          old.bootRecord?.[BOOT_NAMES[i]!],
        ),
      );
    if (sameIso && healthy) {
      const drift = treeDrift(old, old.record, observed.entries, ctx.checksum);
      const files = `${Object.keys(old.files).length} files${ctx.checksum ? ', contents compared' : ''}`;
      if (driftCount(drift) === 0) return {ok: `${args.name} is up to date (${files})`};
      const counts = [
        [drift.missing, 'missing'],
        [drift.changed, 'changed'],
        [drift.extra, 'extra'],
      ]
        .filter(([list]) => list!.length)
        .map(([list, what]) => `${list!.length} ${what}`);
      return {
        summary: `repair ${where.link}: ${counts.join(', ')} (of ${files})`,
        diff: driftDiff(`${where.link} (media tree)`, drift, old, old.record, observed.entries, ctx.checksum),
        plan: {kind: 'repair', args, layout: where, old, repair: repairPlan(drift, old, observed.entries)},
      };
    }

    const {copy, remove} = args.remote
      ? {copy: [], remove: []}
      : manifestDelta(sameIso ? null : old, args.local!.manifest);
    const bytes = copy.reduce((sum, p) => sum + args.local!.manifest.files[p]!.size, 0);
    const summary = args.remote
      ? `extract ${args.iso} on the target into ${where.link}`
      : `copy ${copy.length} of ${Object.keys(args.local!.manifest.files).length} files (${(bytes / 1e6).toFixed(1)} MB)${remove.length ? `, remove ${remove.length}` : ''}, swap ${where.link} and ${where.bootLink}`;
    const listing = (manifest: Manifest | null, paths: string[]) =>
      paths.map((p) => (manifest?.files[p] ? stateText({[p]: manifest.files[p]!.sha256}) : '')).join('');
    const diff = args.remote
      ? unifiedDiff(`${where.link} (media)`, stateText({iso: old?.source ?? 'none'}), stateText({iso: id}))
      : unifiedDiff(`${where.link} (media)`, listing(old, [...copy, ...remove]), listing(args.local!.manifest, copy));
    const plan: ReplacePlan = {kind: 'replace', args, layout: where, old, id, copy, remove};
    return {summary, diff, plan};
  },

  async apply(plan, agent: Agent, ctx: TaskContext) {
    if (plan.kind === 'repair') return repairTree(plan, agent, ctx);
    const {args, layout: where} = plan;
    const tag = (args.remote ? plan.id.replace(/[^0-9a-z]/gi, '') : plan.id).slice(-12);
    const tree = posix.join(where.treesDir, `${args.name}-${tag}`);
    const boot = posix.join(where.bootsDir, `${args.name}-${tag}`);
    const run = runOrFail(agent, ctx);
    const staging = `${tree}.tmp`;
    const bootStaging = `${boot}.tmp`;
    await run(['rm', '-rf', '--', staging, bootStaging]);
    await Promise.all([
      agent.mkdir(where.treesDir, {parents: true}),
      agent.mkdir(where.bootsDir, {parents: true}),
      agent.mkdir(STATE_DIR, {parents: true}),
    ]);

    let manifest: Manifest;
    if (args.remote) {
      await agent.mkdir(staging, {mode: 0o755});
      await run(['bsdtar', '-x', '-f', args.iso, '-C', staging]);
      await run(['chmod', '-R', 'u+rwX,go+rX', '--', staging]);
      const entries = await agent.hashTree(staging);
      manifest = {
        iso: {sha256: plan.id, size: 0},
        files: Object.fromEntries(
          entries.filter((e) => e.kind === 'file').map((e) => [e.path, {sha256: e.sha256!, size: e.size}]),
        ),
      };
      try {
        requireBootFiles(args, manifest.files, `ISO ${args.iso}`);
      } catch (error) {
        await run(['rm', '-rf', '--', staging]);
        throw error;
      }
    } else {
      const local = args.local!;
      manifest = local.manifest;
      // Unchanged files are hard links into the old tree; changed ones are replaced by rename, never written in place.
      const base = plan.old && plan.old.tree !== tree ? plan.old.tree : undefined;
      const linked = base !== undefined && (await agent.stat([base]))[0]!.kind === 'directory';
      if (linked) await run(['cp', '-al', '--', base, staging]);
      else await agent.mkdir(staging, {mode: 0o755});
      // The files to copy arrive as new names: the hard links of their old versions go first.
      await Promise.all(
        [...plan.remove, ...(linked ? plan.copy : [])].map((path) => agent.remove(posix.join(staging, path))),
      );
      const onSent = bytesSent(
        ctx,
        plan.copy.reduce((sum, path) => sum + local.manifest.files[path]!.size, 0),
      );
      // Staging trees no client reads yet: many files per request, flushed to disk once before the swap below.
      const fromIso = (path: string) => ({
        path,
        ...local.manifest.files[path]!,
        open: () => createReadStream(posix.join(local.tree, path), {highWaterMark: 1 << 20}),
      });
      await agent.putTree(staging, plan.copy.map(fromIso), {onSent});
    }
    // Kernel and initrd are in the tree: copied on the target (every check hashes them against the manifest), then flushed.
    await agent.mkdir(bootStaging, {mode: 0o755});
    for (const [i, path] of [kernelOf(args), initrdOf(args)].entries())
      await run(['cp', '--', posix.join(staging, path), posix.join(bootStaging, BOOT_NAMES[i]!)]);
    await run(['sh', '-c', 'sync -f "$1" 2>/dev/null || sync', 'sh', bootStaging]);

    await run(['rm', '-rf', '--', tree, boot]);
    await run(['mv', '-T', '--', staging, tree]);
    await run(['mv', '-T', '--', bootStaging, boot]);
    await agent.symlink(posix.relative(posix.dirname(where.link), tree), where.link);
    await agent.symlink(posix.relative(posix.dirname(where.bootLink), boot), where.bootLink);
    const [treeList, bootList] = await Promise.all([agent.listTree(tree), agent.listTree(boot)]);
    const record: TargetManifest = {
      ...manifest,
      tree,
      boot,
      ...(args.remote ? {source: plan.id} : {}),
      record: recordOf(treeList),
      bootRecord: recordOf(bootList).files,
    };
    await agent.writeFile(where.manifestPath, JSON.stringify(record) + '\n', {mode: 0o644});
    // Keep the previous generation for clients still reading it; older ones go.
    const keep = new Set([tree, boot, plan.old?.tree, plan.old?.boot]);
    const listed = await agent.exec([
      'find',
      where.treesDir,
      where.bootsDir,
      '-mindepth',
      '1',
      '-maxdepth',
      '1',
      '-name',
      `${args.name}-${'?'.repeat(12)}`,
    ]);
    const stale = listed.stdout
      .toString()
      .split('\n')
      .filter((p) => p && !keep.has(p));
    if (stale.length) await run(['rm', '-rf', '--', ...stale]);
  },
};

/**
 * A boot file as written: its content (when it was hashed: --checksum, or a manifest without a boot record),
 * else its size and mtime as recorded, the quick check the tree gets too.
 */
function bootIntact(
  stat: StatResult | undefined,
  sha256: string | undefined,
  recorded: {size: number; mtime: number} | undefined,
): boolean {
  if (stat?.kind !== 'file') return false;
  if (stat.sha256 !== undefined) return stat.sha256 === sha256;
  return recorded !== undefined && stat.size === recorded.size && stat.mtime === recorded.mtime;
}

/** Runs argv on the target; a non-zero exit fails the task with its stderr. */
function runOrFail(agent: Agent, ctx: TaskContext): (argv: string[]) => Promise<void> {
  return async (argv) => {
    const result = await agent.exec(argv, {timeout: 3600});
    if (result.rc !== 0)
      throw new PxeError('E_TASK', `${argv.join(' ')} failed: ${result.stderr.toString().trim()}`, {
        where: {host: ctx.host, task: ctx.task.name},
      });
  };
}

/** Counts the bytes of a transfer of `total` bytes and reports them to the engine (progress events). */
function bytesSent(ctx: TaskContext, total: number): (bytes: number) => void {
  let done = 0;
  return (bytes) => {
    done += bytes;
    ctx.progress?.(done, total);
  };
}

/** One file of a local ISO's tree to `to` on the target (atomic: temp file, then rename). */
function uploadFromIso(agent: Agent, local: LocalIso, from: string, to: string, onSent: (bytes: number) => void) {
  const file = local.manifest.files[from]!;
  return agent.upload(to, createReadStream(posix.join(local.tree, from)), file.size, {
    mode: 0o644,
    sha256: file.sha256,
    onSent,
  });
}

/**
 * Puts the drifted files and links of the current tree back in place, each replaced by a rename (a client
 * reading the tree meanwhile gets the old file or the right one), then records the tree as written. A
 * file whose content is still right (only touched, or recorded before records were kept) is not copied.
 */
async function repairTree(plan: RepairPlan, agent: Agent, ctx: TaskContext): Promise<void> {
  const {args, old, repair} = plan;
  const run = runOrFail(agent, ctx);
  const at = (path: string) => posix.join(old.tree, path);
  const suspects = repair.files.filter((p) => !repair.remove.includes(p));
  const hashed = suspects.length ? await agent.stat(suspects.map(at), {sha256: true}) : [];
  const intact = new Set(
    suspects.filter((p, i) => hashed[i]!.kind === 'file' && hashed[i]!.sha256 === old.files[p]!.sha256),
  );
  const files = repair.files.filter((p) => !intact.has(p));
  if (repair.remove.length) await run(['rm', '-rf', '--', ...repair.remove.map(at)]);
  for (const dir of parentDirs([...files, ...repair.links])) await agent.mkdir(at(dir), {parents: true, mode: 0o755});
  if (args.remote) {
    const staging = `${old.tree}.repair`;
    const wanted = [...files, ...repair.links];
    await run(['rm', '-rf', '--', staging]);
    await agent.mkdir(staging, {mode: 0o755});
    if (wanted.length) {
      await run(['bsdtar', '-x', '-f', args.iso, '-C', staging, '--', ...wanted]);
      await run(['chmod', '-R', 'u+rwX,go+rX', '--', staging]);
      await run([
        'sh',
        '-c',
        'from=$1 to=$2; shift 2; for p do mv -f -- "$from/$p" "$to/$p" || exit 1; done',
        'sh',
        staging,
        old.tree,
        ...wanted,
      ]);
    }
    await run(['rm', '-rf', '--', staging]);
  } else {
    const sent = bytesSent(
      ctx,
      files.reduce((sum, path) => sum + args.local!.manifest.files[path]!.size, 0),
    );
    for (const path of files) await uploadFromIso(agent, args.local!, path, at(path), sent);
  }
  const record: TargetManifest = {...old, record: recordOf(await agent.listTree(old.tree))};
  await agent.writeFile(plan.layout.manifestPath, JSON.stringify(record) + '\n', {mode: 0o644});
}
