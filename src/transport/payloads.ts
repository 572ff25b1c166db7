/**
 * Parsers of the agent's multi-part payloads (stat, tree). Pure: tested with data.
 * Sections are "LEN\n" + LEN bytes; records carry no names where the client already knows them.
 */
import {bytesToPath, pathToBytes} from './bytes.js';
import type {FileKind, StatResult, TreeEntry} from './types.js';

export function splitSections(payload: Buffer, count: number): Buffer[] {
  const out: Buffer[] = [];
  let off = 0;
  for (let i = 0; i < count; i++) {
    const nl = payload.indexOf(10, off);
    const length = Number(payload.toString('latin1', off, nl));
    if (nl < 0 || !Number.isInteger(length) || nl + 1 + length > payload.length) throw new Error(`bad section ${i}`);
    out.push(payload.subarray(nl + 1, nl + 1 + length));
    off = nl + 1 + length;
  }
  return out;
}

export function splitNul(section: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let off = 0;
  while (off < section.length) {
    const end = section.indexOf(0, off);
    if (end < 0) throw new Error('unterminated NUL-separated list');
    out.push(section.subarray(off, end));
    off = end + 1;
  }
  return out;
}

/**
 * sha256sum records of `names`, in order. GNU escapes odd names ("\" + hash + escaped name, one line);
 * busybox prints them raw (newlines included), so a raw record's length comes from the known name.
 */
export function parseShaRecords(section: Buffer, names: Buffer[]): string[] {
  const out: string[] = [];
  let off = 0;
  for (const name of names) {
    const escaped = section[off] === 0x5c;
    const start = escaped ? off + 1 : off;
    const hash = section.toString('latin1', start, start + 64);
    if (!/^[0-9a-f]{64}$/.test(hash)) throw new Error('bad sha256sum record');
    if (escaped) {
      const nl = section.indexOf(10, start);
      if (nl < 0) throw new Error('bad sha256sum record');
      off = nl + 1;
    } else {
      off = start + 64 + 2 + name.length + 1;
    }
    out.push(hash);
  }
  if (off !== section.length) throw new Error('sha256sum printed more records than files');
  return out;
}

const KIND: Record<string, FileKind> = {a: 'absent', f: 'file', d: 'directory', l: 'link', o: 'other'};

/** stat payload: sections kinds, stat lines ("%f %u %g %s %Y %U %G"), link targets, sha records. */
export function parseStat(paths: string[], payload: Buffer, withSha: boolean): StatResult[] {
  const [kinds, stats, links, shas] = splitSections(payload, 4) as [Buffer, Buffer, Buffer, Buffer];
  const kindText = kinds.toString('latin1');
  if (kindText.length !== paths.length) throw new Error('stat: one kind per path expected');
  const lines = stats.toString('utf8').split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  if (lines.length !== [...kindText].filter((k) => k !== 'a').length)
    throw new Error('a path changed while it was read');
  const targets = splitNul(links);
  const files = paths.filter((_, i) => kindText[i] === 'f');
  const hashes = withSha ? parseShaRecords(shas, files.map(pathToBytes)) : [];
  let line = 0;
  let link = 0;
  let file = 0;
  return paths.map((path, i) => {
    const kind = KIND[kindText[i]!];
    if (!kind) throw new Error('stat: unknown kind');
    if (kind === 'absent') return {path, kind};
    const fields = (lines[line++] ?? '').split(' ');
    if (fields.length < 7) throw new Error('stat: a path changed while it was read');
    const [rawMode, uid, gid, size, mtime, owner, group] = fields as [
      string,
      string,
      string,
      string,
      string,
      string,
      string,
    ];
    const result: StatResult = {
      path,
      kind,
      mode: parseInt(rawMode, 16) & 0o7777,
      uid: Number(uid),
      gid: Number(gid),
      owner: owner === 'UNKNOWN' ? undefined : owner,
      group: group === 'UNKNOWN' ? undefined : group,
      size: Number(size),
      mtime: Number(mtime),
    };
    if (kind === 'link') result.target = bytesToPath(targets[link++] ?? Buffer.alloc(0));
    if (kind === 'file' && withSha) result.sha256 = hashes[file++];
    return result;
  });
}

const S_IFMT = 0o170000;
const TREE_KIND: Record<number, TreeEntry['kind']> = {0o100000: 'file', 0o040000: 'directory', 0o120000: 'link'};

/** tree payload: sections entries, stat lines ("%f %s"), regular files, their sha records, link pairs. */
export function parseTree(dir: string, payload: Buffer): TreeEntry[] {
  const [list, stats, files, shas, links] = splitSections(payload, 5) as [Buffer, Buffer, Buffer, Buffer, Buffer];
  const fileNames = splitNul(files);
  const hashes = parseShaRecords(shas, fileNames);
  const shaOf = new Map(fileNames.map((n, i) => [n.toString('latin1'), hashes[i]!]));
  return treeEntries(dir, list, stats, links, shaOf).filter((e) => e.kind !== 'other');
}

/** list payload: sections entries, stat lines ("%f %s %Y"), link pairs. Fifos, sockets and devices are 'other'. */
export function parseListing(dir: string, payload: Buffer): TreeEntry[] {
  const [list, stats, links] = splitSections(payload, 3) as [Buffer, Buffer, Buffer];
  return treeEntries(dir, list, stats, links);
}

function treeEntries(
  dir: string,
  list: Buffer,
  stats: Buffer,
  links: Buffer,
  shaOf?: Map<string, string>,
): TreeEntry[] {
  const entries = splitNul(list);
  const lines = stats.toString('latin1').split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  if (lines.length !== entries.length) throw new Error('the tree changed while it was read');
  const linkParts = splitNul(links);
  const targetOf = new Map<string, Buffer>();
  for (let i = 0; i + 1 < linkParts.length; i += 2) targetOf.set(linkParts[i]!.toString('latin1'), linkParts[i + 1]!);
  const root = pathToBytes(dir.endsWith('/') ? dir : `${dir}/`);
  const out: Array<TreeEntry & {key: Buffer}> = entries.map((entry, i) => {
    const [rawMode, size, mtime] = lines[i]!.split(' ') as [string, string, string | undefined];
    const raw = parseInt(rawMode, 16);
    const kind = TREE_KIND[raw & S_IFMT] ?? 'other';
    const key = entry.subarray(root.length);
    const e: TreeEntry & {key: Buffer} = {key, path: bytesToPath(key), kind, mode: raw & 0o7777, size: Number(size)};
    if (mtime !== undefined) e.mtime = Number(mtime);
    const name = entry.toString('latin1');
    if (kind === 'file' && shaOf) e.sha256 = shaOf.get(name);
    if (kind === 'link') e.target = bytesToPath(targetOf.get(name) ?? Buffer.alloc(0));
    return e;
  });
  out.sort((a, b) => Buffer.compare(a.key, b.key));
  return out.map(({key: _key, ...e}) => e);
}
