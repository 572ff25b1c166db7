/**
 * A content-addressed cache under $XDG_CACHE_HOME/pxeprov (or ~/.cache/pxeprov), like Python's .pyc: the
 * parsed form of an unchanged YAML file and compiled schema validators are read back instead of recomputed,
 * so a cold `validate` does not even load the YAML parser or ajv. PXEPROV_CACHE=0 turns it off; a read-only
 * home just means no cache.
 *
 * The cache is never more readable than its sources: directories 0700 and files 0600, created so. Its
 * entries are trusted (validators are loaded as code), so it is used only while its directories are this
 * user's alone; a wider directory of this user (as older versions made) is narrowed and emptied, anyone
 * else's is not used.
 */
import {createHash, randomBytes} from 'node:crypto';
import {
  closeSync,
  constants,
  fchmodSync,
  fstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import {homedir} from 'node:os';
import {join} from 'node:path';

export const CACHE_DIR = join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'pxeprov');
const enabled = process.env.PXEPROV_CACHE !== '0';
const privateDirs = new Set<string>();

export function cacheKey(...parts: unknown[]): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 32);
}

/** Whether `dir` is a directory (not a link) of this user that only this user can open; narrowed to 0700 if wider. */
function isPrivateDir(dir: string): boolean {
  if (privateDirs.has(dir)) return true;
  let fd: number | undefined;
  try {
    // Checked and narrowed through one descriptor: a link swapped in between cannot redirect the chmod.
    fd = openSync(dir, constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW);
    const stats = fstatSync(fd);
    if (stats.uid !== process.getuid?.()) return false;
    if (stats.mode & 0o077) {
      fchmodSync(fd, 0o700);
      // An older version made it, and cached files that held secrets in clear: its entries go.
      for (const entry of readdirSync(dir, {withFileTypes: true}))
        if (entry.isFile()) unlinkSync(join(dir, entry.name));
    }
    privateDirs.add(dir);
    return true;
  } catch {
    // Missing, not a directory, a link, or not ours to narrow: no cache.
    return false;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** The directory of one kind of entry when it and the cache root are private (created 0700 when `create`). */
function kindDir(kind: string, create = false): string | undefined {
  if (!enabled) return undefined;
  const dir = join(CACHE_DIR, kind);
  if (create) mkdirSync(dir, {recursive: true, mode: 0o700});
  return isPrivateDir(CACHE_DIR) && isPrivateDir(dir) ? dir : undefined;
}

/** The path of an entry, when the cache may be used. */
export function cachePath(kind: string, key: string, ext: string): string | undefined {
  const dir = kindDir(kind);
  return dir && join(dir, `${key}${ext}`);
}

export function cacheRead(kind: string, key: string, ext = '.json'): string | undefined {
  return cacheReadBytes(kind, key, ext)?.toString('utf8');
}

export function cacheReadBytes(kind: string, key: string, ext: string): Buffer | undefined {
  const file = cachePath(kind, key, ext);
  if (!file) return undefined;
  try {
    return readFileSync(file);
  } catch {
    // Not cached yet (or unreadable): computed again.
    return undefined;
  }
}

/** Write atomically (a new 0600 temp file + rename): a concurrent reader sees the old entry or the new one. */
export function cacheWrite(kind: string, key: string, text: string | Uint8Array, ext = '.json'): string | undefined {
  try {
    const dir = kindDir(kind, true);
    if (!dir) return undefined;
    const file = join(dir, `${key}${ext}`);
    const tmp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
    writeFileSync(tmp, text, {mode: 0o600, flag: 'wx'});
    renameSync(tmp, file);
    return file;
  } catch {
    // A read-only or full home: the run goes on without a cache.
    return undefined;
  }
}

export function cacheEnabled(): boolean {
  return enabled;
}
