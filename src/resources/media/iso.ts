/**
 * Install ISOs on the control machine: their sha256 cached by (path, size, mtime) and their content
 * extracted once (bsdtar, no loop mount) with a per-file manifest, so an unchanged ISO costs a stat and
 * an updated one is compared file by file.
 */
import {execFile} from 'node:child_process';
import {createHash} from 'node:crypto';
import {createReadStream} from 'node:fs';
import {mkdir, readdir, readFile, realpath, rename, rm, stat, writeFile} from 'node:fs/promises';
import {homedir} from 'node:os';
import {join, relative} from 'node:path';
import {promisify} from 'node:util';
import {PxeError} from '../../errors.js';

const run = promisify(execFile);

export interface ManifestFile {
  sha256: string;
  size: number;
}

export interface Manifest {
  iso: {sha256: string; size: number};
  files: Record<string, ManifestFile>;
}

export interface LocalIso {
  path: string;
  /** Where its content is extracted. */
  tree: string;
  manifest: Manifest;
}

export function cacheDir(): string {
  return process.env.PXEPROV_CACHE ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'pxeprov');
}

export function sha256File(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    createReadStream(path)
      .on('data', (chunk) => hash.update(chunk))
      .on('error', reject)
      .on('end', () => resolve(hash.digest('hex')));
  });
}

/** sha256 of a file, remembered by (real path, size, mtime). */
async function cachedSha256(path: string, size: number, mtimeMs: number): Promise<string> {
  const index = join(cacheDir(), 'iso-hashes.json');
  // A cache of hashes: missing or unreadable, every ISO is hashed again.
  const known = JSON.parse(await readFile(index, 'utf8').catch(() => '{}')) as Record<string, string>;
  const key = `${path}\0${size}\0${mtimeMs}`;
  if (known[key]) return known[key];
  known[key] = await sha256File(path);
  await mkdir(cacheDir(), {recursive: true});
  await writeFile(`${index}.tmp`, JSON.stringify(known));
  await rename(`${index}.tmp`, index);
  return known[key];
}

async function walk(
  root: string,
  dir = root,
  files: Record<string, ManifestFile> = {},
): Promise<Record<string, ManifestFile>> {
  for (const entry of await readdir(dir, {withFileTypes: true})) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) await walk(root, path, files);
    else if (entry.isFile())
      files[relative(root, path)] = {sha256: await sha256File(path), size: (await stat(path)).size};
  }
  return files;
}

export async function openLocalIso(path: string): Promise<LocalIso> {
  const info = await stat(path).catch((cause: NodeJS.ErrnoException) => {
    if (cause.code === 'ENOENT') return undefined;
    throw new PxeError('E_FILE_NOT_FOUND', `ISO ${path} cannot be read (${cause.code})`, {cause});
  });
  if (!info?.isFile()) {
    throw new PxeError('E_FILE_NOT_FOUND', `ISO ${path} does not exist on the control machine`, {
      hint: 'check media_isos[].iso, or set remote: true when the ISO is already on the target',
    });
  }
  const real = await realpath(path);
  const sha256 = await cachedSha256(real, info.size, info.mtimeMs);
  const base = join(cacheDir(), 'iso', sha256);
  const manifestPath = join(base, 'manifest.json');
  // A cache: missing or unreadable, the ISO is listed again.
  const cached = await readFile(manifestPath, 'utf8').catch(() => undefined);
  if (cached) return {path: real, tree: join(base, 'tree'), manifest: JSON.parse(cached) as Manifest};

  const staging = `${base}.tmp-${process.pid}`;
  await rm(staging, {recursive: true, force: true});
  await mkdir(join(staging, 'tree'), {recursive: true});
  try {
    await run('bsdtar', ['-x', '-f', real, '-C', join(staging, 'tree')], {maxBuffer: 16 * 1024 * 1024});
  } catch (cause) {
    await rm(staging, {recursive: true, force: true});
    const missing = (cause as NodeJS.ErrnoException).code === 'ENOENT';
    throw new PxeError(
      'E_FILE_NOT_FOUND',
      missing ? 'bsdtar is not installed on the control machine' : `${path} is not a readable ISO image`,
      {
        cause,
        hint: missing ? 'apt-get install libarchive-tools' : String((cause as {stderr?: string}).stderr ?? '').trim(),
      },
    );
  }
  await run('chmod', ['-R', 'u+rwX,go+rX', join(staging, 'tree')]);
  const manifest: Manifest = {iso: {sha256, size: info.size}, files: await walk(join(staging, 'tree'))};
  await writeFile(join(staging, 'manifest.json'), JSON.stringify(manifest));
  await rm(base, {recursive: true, force: true});
  await rename(staging, base);
  return {path: real, tree: join(base, 'tree'), manifest};
}

/** Files to copy and to remove to turn `from` into `to`; pure. */
export function manifestDelta(from: Manifest | null, to: Manifest): {copy: string[]; remove: string[]} {
  const before = from?.files ?? {};
  const copy = Object.keys(to.files)
    .filter((path) => before[path]?.sha256 !== to.files[path]!.sha256)
    .sort();
  const remove = Object.keys(before)
    .filter((path) => !(path in to.files))
    .sort();
  return {copy, remove};
}
