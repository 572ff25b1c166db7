/**
 * Drift of an install tree on the target from its recorded manifest, by one listing of the tree: every
 * file compared by size and mtime as written (rsync's quick check), or by sha256 too (--checksum).
 * Missing, extra and changed entries are drift; `up` repairs only those, each file replaced atomically.
 */
import {posix} from 'node:path';
import {unifiedDiff} from '../../report/diff.js';
import type {Agent, TreeEntry} from '../../transport/types.js';
import type {Manifest} from './iso.js';

/** What the target's tree held when pxeprov last wrote it: size and mtime of each file, its symlinks. */
export interface TreeRecord {
  files: Record<string, {size: number; mtime: number}>;
  links: Record<string, string>;
}

export interface TreeDrift {
  /** Files (or links) of the manifest that the tree lacks. */
  missing: string[];
  /** Entries the manifest does not know (a directory only when it is in the way of nothing). */
  extra: string[];
  /** Present, but not as written: another size, mtime, content, link target or kind. */
  changed: string[];
}

/** The record of a tree just written, from its listing. */
export function recordOf(entries: TreeEntry[]): TreeRecord {
  const record: TreeRecord = {files: {}, links: {}};
  for (const e of entries) {
    if (e.kind === 'file') record.files[e.path] = {size: e.size, mtime: e.mtime!};
    else if (e.kind === 'link') record.links[e.path] = e.target!;
  }
  return record;
}

/**
 * Compares a listing of the tree (with sha256 when checksum) with the manifest and the record; pure.
 * Without a record (a manifest written before records were kept) every file counts as changed, so `up`
 * verifies each by its sha256 once; the tree's symlinks are then taken as they are (a remote ISO has some).
 */
export function treeDrift(
  manifest: Manifest,
  record: TreeRecord | undefined,
  entries: TreeEntry[],
  checksum: boolean,
): TreeDrift {
  const links = record?.links ?? {};
  const seen = new Set<string>();
  const drift: TreeDrift = {missing: [], extra: [], changed: []};
  for (const e of entries) {
    const want = manifest.files[e.path];
    if (want) {
      seen.add(e.path);
      const written = record?.files[e.path];
      const same =
        e.kind === 'file' &&
        e.size === want.size &&
        written?.size === e.size &&
        written.mtime === e.mtime &&
        (!checksum || e.sha256 === want.sha256);
      if (!same) drift.changed.push(e.path);
    } else if (e.path in links) {
      seen.add(e.path);
      if (e.kind !== 'link' || e.target !== links[e.path]) drift.changed.push(e.path);
    } else if (e.kind !== 'directory' && !(e.kind === 'link' && !record)) {
      drift.extra.push(e.path);
    }
  }
  drift.missing = [...Object.keys(manifest.files), ...Object.keys(links)].filter((p) => !seen.has(p)).sort();
  return drift;
}

export const driftCount = (d: TreeDrift) => d.missing.length + d.extra.length + d.changed.length;

/** A unified diff of the names (with size, mtime, link target) of what differs: the tree as found -> as written. */
export function driftDiff(
  label: string,
  drift: TreeDrift,
  manifest: Manifest,
  record: TreeRecord | undefined,
  entries: TreeEntry[],
  checksum: boolean,
): string {
  const found = new Map(entries.map((e) => [e.path, e]));
  const when = (mtime: number | undefined) =>
    mtime === undefined ? 'unrecorded' : new Date(mtime * 1000).toISOString();
  const sha = (value: string | undefined) => (checksum ? `, sha256 ${value?.slice(0, 12) ?? 'none'}` : '');
  const describeFound = (e: TreeEntry) =>
    e.kind === 'file'
      ? `${e.path}: ${e.size} bytes, mtime ${when(e.mtime)}${sha(e.sha256)}`
      : e.kind === 'link'
        ? `${e.path} -> ${e.target}`
        : `${e.path}: ${e.kind}`;
  const describeWanted = (path: string) => {
    const file = manifest.files[path];
    if (!file) return `${path} -> ${record?.links[path]}`;
    return `${path}: ${file.size} bytes, mtime ${when(record?.files[path]?.mtime)}${sha(file.sha256)}`;
  };
  const paths = [...drift.missing, ...drift.extra, ...drift.changed].sort();
  const before = paths.flatMap((p) => (found.has(p) ? [`${describeFound(found.get(p)!)}\n`] : [])).join('');
  const after = paths.flatMap((p) => (drift.extra.includes(p) ? [] : [`${describeWanted(p)}\n`])).join('');
  return unifiedDiff(label, before, after);
}

/** Reads the tree in one round trip: a listing, plus every file's sha256 with checksum (both requests pipelined). */
export async function readTree(agent: Agent, tree: string, checksum: boolean): Promise<TreeEntry[]> {
  if (!checksum) return agent.listTree(tree);
  const [listed, hashed] = await Promise.all([agent.listTree(tree), agent.hashTree(tree)]);
  const shaOf = new Map(hashed.map((e) => [e.path, e.sha256]));
  return listed.map((e) => (e.kind === 'file' ? {...e, sha256: shaOf.get(e.path)} : e));
}

/** What a repair writes: the files to put back (missing or changed) and the links; what to remove first. */
export function repairPlan(
  drift: TreeDrift,
  manifest: Manifest,
  entries: TreeEntry[],
): {files: string[]; links: string[]; remove: string[]} {
  const found = new Map(entries.map((e) => [e.path, e]));
  const back = [...drift.missing, ...drift.changed].sort();
  return {
    files: back.filter((p) => p in manifest.files),
    links: back.filter((p) => !(p in manifest.files)),
    // Extra entries go; so does whatever holds a wanted name as another kind (a rename cannot replace a directory).
    remove: [
      ...drift.extra,
      ...drift.changed.filter((p) => found.get(p)?.kind !== (p in manifest.files ? 'file' : 'link')),
    ].sort(),
  };
}

export const parentDirs = (paths: string[]) =>
  [...new Set(paths.map((p) => posix.dirname(p)).filter((d) => d !== '.'))].sort();
