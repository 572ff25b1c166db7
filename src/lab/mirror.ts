import {readdir, readFile} from 'node:fs/promises';
import {join} from 'node:path';
import {PxeError} from '../errors.js';

/**
 * The Debian mirror URI for a suite, read from one-line sources.list text or deb822 .sources text.
 * Pure: the caller reads the files. Returns the first `deb` entry whose suites include `suite`.
 */
export function mirrorFromSources(texts: string[], suite: string): string | undefined {
  for (const text of texts) {
    for (const line of text.split('\n')) {
      const m = /^\s*deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+(\S+)/.exec(line);
      if (m && m[2] === suite) return m[1];
    }
    for (const stanza of text.split(/\n\s*\n/)) {
      const fields = deb822Fields(stanza);
      if (fields.enabled === 'no' || !(fields.types ?? '').split(/\s+/).includes('deb')) continue;
      if ((fields.suites ?? '').split(/\s+/).includes(suite)) return (fields.uris ?? '').split(/\s+/)[0] || undefined;
    }
  }
  return undefined;
}

function deb822Fields(stanza: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const line of stanza.split('\n')) {
    const m = /^([A-Za-z-]+):\s*(.*)$/.exec(line);
    if (m) fields[m[1]!.toLowerCase()] = m[2]!.trim();
  }
  return fields;
}

/** Reads /etc/apt/sources.list and /etc/apt/sources.list.d/*.{list,sources} of this machine. */
export async function machineMirror(suite: string): Promise<string> {
  const texts: string[] = [];
  const dir = '/etc/apt/sources.list.d';
  // Either file may be absent (deb822-only machines); no mirror found at all is an error below.
  texts.push(await readFile('/etc/apt/sources.list', 'utf8').catch(() => ''));
  const names = await readdir(dir).catch(() => [] as string[]);
  for (const name of names.sort()) {
    if (name.endsWith('.list') || name.endsWith('.sources')) texts.push(await readFile(join(dir, name), 'utf8'));
  }
  const mirror = mirrorFromSources(texts, suite);
  if (!mirror) {
    throw new PxeError('E_LAB', `no Debian mirror for ${suite} in this machine's apt sources`, {
      expected: `a "deb URI ${suite} main" line or a deb822 stanza with Suites: ${suite}`,
      hint: 'the lab reads the mirror from /etc/apt/sources.list(.d) so that no host name is written into the repo',
    });
  }
  return mirror;
}
