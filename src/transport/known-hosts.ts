/**
 * OpenSSH known_hosts: parsing and matching (plain, wildcard, negated, hashed "|1|salt|hash" and
 * "[host]:port" entries), and the line accept-new records. Pure: tested with data.
 */
import {createHash, createHmac, randomBytes} from 'node:crypto';

export interface KnownHostEntry {
  marker?: '@revoked' | '@cert-authority';
  patterns: string;
  keyType: string;
  key: Buffer;
}

/** An entry and where it is written. */
export type KnownHostLine = KnownHostEntry & {line: number; file?: string};

/**
 * changed: the host has recorded keys and none is the one offered, whether of the same type or (a
 * server offering only another type) not: as far as the user is concerned, the key changed.
 */
export type HostKeyVerdict =
  {status: 'known'} | {status: 'unknown'} | {status: 'changed'; recorded: KnownHostLine} | {status: 'revoked'};

export function parseKnownHosts(text: string, file?: string): KnownHostLine[] {
  const out: KnownHostLine[] = [];
  text.split('\n').forEach((raw, i) => {
    const fields = raw.trim().split(/\s+/);
    if (!fields[0] || fields[0].startsWith('#')) return;
    const marker = fields[0].startsWith('@') ? fields.shift() : undefined;
    const [patterns, keyType, key] = fields;
    if (!patterns || !keyType || !key) return;
    if (marker !== undefined && marker !== '@revoked' && marker !== '@cert-authority') return;
    out.push({
      marker,
      patterns,
      keyType,
      key: Buffer.from(key, 'base64'),
      line: i + 1,
      ...(file === undefined ? {} : {file}),
    });
  });
  return out;
}

/** The name OpenSSH looks up: "host" on port 22, "[host]:port" otherwise. */
export function hostToken(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

function globToRegExp(glob: string): RegExp {
  const body = glob
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${body}$`, 'i');
}

function patternMatches(pattern: string, token: string): boolean {
  if (pattern.startsWith('|1|')) {
    const [, , salt, hash] = pattern.split('|');
    if (!salt || !hash) return false;
    return createHmac('sha1', Buffer.from(salt, 'base64')).update(token).digest('base64') === hash;
  }
  return globToRegExp(pattern).test(token);
}

/** A comma list of patterns matches when one matches and no negated ("!") one does. */
export function hostMatches(patterns: string, token: string): boolean {
  let matched = false;
  for (const p of patterns.split(',')) {
    if (p.startsWith('!')) {
      if (patternMatches(p.slice(1), token)) return false;
    } else if (patternMatches(p, token)) matched = true;
  }
  return matched;
}

/** The key type named inside an SSH public key blob (its first string). */
export function keyTypeOf(blob: Buffer): string {
  const length = blob.readUInt32BE(0);
  return blob.toString('latin1', 4, 4 + length);
}

export function fingerprint(blob: Buffer): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

export function checkHostKey(entries: KnownHostLine[], token: string, blob: Buffer): HostKeyVerdict {
  const type = keyTypeOf(blob);
  const mine = entries.filter((e) => e.marker !== '@cert-authority' && hostMatches(e.patterns, token));
  if (mine.some((e) => e.marker === '@revoked' && e.key.equals(blob))) return {status: 'revoked'};
  const plain = mine.filter((e) => e.marker === undefined);
  if (plain.some((e) => e.key.equals(blob))) return {status: 'known'};
  const recorded = plain.find((e) => e.keyType === type) ?? plain[0];
  return recorded ? {status: 'changed', recorded} : {status: 'unknown'};
}

/** The known_hosts line that records `blob` for `token` (as accept-new writes it; hashed like HashKnownHosts yes). */
export function knownHostsLine(token: string, blob: Buffer, hash = false): string {
  const salt = randomBytes(20);
  const name = hash
    ? `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update(token).digest('base64')}`
    : token;
  return `${name} ${keyTypeOf(blob)} ${blob.toString('base64')}\n`;
}

/** Host key types recorded for `token`, so the handshake can prefer a type we can check. */
export function knownKeyTypes(entries: KnownHostEntry[], token: string): string[] {
  return [...new Set(entries.filter((e) => !e.marker && hostMatches(e.patterns, token)).map((e) => e.keyType))];
}
