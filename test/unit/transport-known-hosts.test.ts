import assert from 'node:assert/strict';
import {createHmac} from 'node:crypto';
import {describe, it} from 'node:test';
import {
  checkHostKey,
  fingerprint,
  hostMatches,
  hostToken,
  keyTypeOf,
  knownHostsLine,
  parseKnownHosts,
} from '../../src/transport/known-hosts.js';

function blob(type: string, body: string): Buffer {
  const t = Buffer.from(type);
  const len = Buffer.alloc(4);
  len.writeUInt32BE(t.length);
  return Buffer.concat([len, t, Buffer.from(body)]);
}

function hashed(token: string): string {
  const salt = Buffer.from('0123456789abcdefghij');
  return `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update(token).digest('base64')}`;
}

const ED = blob('ssh-ed25519', 'key-one');
const ED2 = blob('ssh-ed25519', 'key-two');
const RSA = blob('ssh-rsa', 'rsa-key');

describe('known_hosts', () => {
  it('names hosts the way OpenSSH does', () => {
    assert.equal(hostToken('pxe1', 22), 'pxe1');
    assert.equal(hostToken('127.0.0.1', 2222), '[127.0.0.1]:2222');
  });

  const matches: Array<[string, string, boolean]> = [
    ['pxe1', 'pxe1', true],
    ['PXE1', 'pxe1', true],
    ['pxe1,pxe2', 'pxe2', true],
    ['pxe*', 'pxe9', true],
    ['pxe?', 'pxe10', false],
    ['pxe*,!pxe9', 'pxe9', false],
    ['[127.0.0.1]:2222', '[127.0.0.1]:2222', true],
    ['127.0.0.1', '[127.0.0.1]:2222', false],
    [hashed('[10.0.0.1]:2222'), '[10.0.0.1]:2222', true],
    [hashed('10.0.0.1'), '10.0.0.2', false],
  ];
  for (const [patterns, token, want] of matches) {
    it(`${patterns.slice(0, 30)} ${want ? 'matches' : 'does not match'} ${token}`, () =>
      assert.equal(hostMatches(patterns, token), want));
  }

  const text = [
    '# comment',
    '',
    `pxe1,10.0.0.1 ssh-ed25519 ${ED.toString('base64')} root@pxe1`,
    `${hashed('[lab]:2222')} ssh-ed25519 ${ED.toString('base64')}`,
    `other ssh-rsa ${RSA.toString('base64')}`,
    `@revoked evil ssh-ed25519 ${ED2.toString('base64')}`,
    `@cert-authority *.lab ssh-ed25519 ${ED2.toString('base64')}`,
    'garbage',
  ].join('\n');
  const entries = parseKnownHosts(text, '/k');
  const lineOf = (verdict: ReturnType<typeof checkHostKey>) =>
    verdict.status === 'changed'
      ? [verdict.recorded.file, verdict.recorded.line, verdict.recorded.keyType]
      : verdict.status;

  it('parses entries with markers, skipping comments and garbage', () => assert.equal(entries.length, 5));
  it('accepts a known key', () => assert.deepEqual(checkHostKey(entries, 'pxe1', ED), {status: 'known'}));
  it('accepts a known key of a hashed entry', () =>
    assert.deepEqual(checkHostKey(entries, '[lab]:2222', ED), {status: 'known'}));
  it('reports a changed key with its file and line', () =>
    assert.deepEqual(lineOf(checkHostKey(entries, '10.0.0.1', ED2)), ['/k', 3, 'ssh-ed25519']));
  it('reports an unknown host', () => assert.deepEqual(checkHostKey(entries, 'pxe2', ED), {status: 'unknown'}));
  it('takes a key of another type than the recorded one for a changed key', () => {
    assert.deepEqual(lineOf(checkHostKey(entries, 'other', ED)), ['/k', 5, 'ssh-rsa']);
  });
  it('writes the line accept-new records, which then matches', () => {
    const line = knownHostsLine('[10.0.0.9]:2222', ED);
    assert.match(line, /^\[10\.0\.0\.9\]:2222 ssh-ed25519 \S+\n$/);
    assert.deepEqual(checkHostKey(parseKnownHosts(line), '[10.0.0.9]:2222', ED), {status: 'known'});
    const hashedLine = knownHostsLine('[10.0.0.9]:2222', ED, true);
    assert.match(hashedLine, /^\|1\|[A-Za-z0-9+/=]{28}\|[A-Za-z0-9+/=]{28} ssh-ed25519 /);
    assert.deepEqual(checkHostKey(parseKnownHosts(hashedLine), '[10.0.0.9]:2222', ED), {status: 'known'});
    assert.deepEqual(checkHostKey(parseKnownHosts(hashedLine), '[10.0.0.8]:2222', ED), {status: 'unknown'});
  });
  it('refuses a revoked key', () => assert.deepEqual(checkHostKey(entries, 'evil', ED2), {status: 'revoked'}));
  it('ignores cert authorities', () => assert.equal(checkHostKey(entries, 'a.lab', ED2).status, 'unknown'));

  it('prints the SHA256 fingerprint like ssh-keygen -l', () => {
    assert.match(fingerprint(ED), /^SHA256:[A-Za-z0-9+/]{43}$/);
    assert.equal(keyTypeOf(RSA), 'ssh-rsa');
  });
});
