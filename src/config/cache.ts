/**
 * A content-addressed cache under $XDG_CACHE_HOME/pxeprov (or ~/.cache/pxeprov), like Python's .pyc: the
 * parsed form of an unchanged YAML file and compiled schema validators are read back instead of recomputed,
 * so a cold `validate` does not even load the YAML parser or ajv. PXEPROV_CACHE=0 turns it off; a read-only
 * home just means no cache.
 */
import {createHash} from 'node:crypto';
import {mkdirSync, readFileSync, renameSync, writeFileSync} from 'node:fs';
import {homedir} from 'node:os';
import {join} from 'node:path';

export const CACHE_DIR = join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'pxeprov');
const enabled = process.env.PXEPROV_CACHE !== '0';

export function cacheKey(...parts: unknown[]): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 32);
}

export function cachePath(kind: string, key: string, ext: string): string {
  return join(CACHE_DIR, kind, `${key}${ext}`);
}

export function cacheRead(kind: string, key: string, ext = '.json'): string | undefined {
  if (!enabled) return undefined;
  try {
    return readFileSync(cachePath(kind, key, ext), 'utf8');
  } catch {
    return undefined;
  }
}

/** Write atomically (temp file + rename): a concurrent reader sees the old entry or the new one. */
export function cacheWrite(kind: string, key: string, text: string, ext = '.json'): string | undefined {
  if (!enabled) return undefined;
  const file = cachePath(kind, key, ext);
  try {
    mkdirSync(join(CACHE_DIR, kind), {recursive: true});
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, text);
    renameSync(tmp, file);
    return file;
  } catch {
    return undefined;
  }
}

export function cacheEnabled(): boolean {
  return enabled;
}
