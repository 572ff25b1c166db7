/**
 * One authenticated ssh2 connection per host: keys, ssh-agent, password; host keys checked against
 * known_hosts; ProxyJump hops through forwardOut. Every failure is a PxeError naming the host.
 */
import {existsSync, readFileSync} from 'node:fs';
import type {Duplex} from 'node:stream';
import ssh2 from 'ssh2';
import type {AnyAuthMethod, Client as ClientType, ParsedKey} from 'ssh2';
import {PxeError} from '../errors.js';
import {checkHostKey, fingerprint, hostToken, keyTypeOf, knownKeyTypes, parseKnownHosts} from './known-hosts.js';
import type {HostKeyVerdict} from './known-hosts.js';
import {keyPassphrase} from './passphrase.js';
import type {ConnectionSpec} from './spec.js';
import {jumpSpec, resolveTarget} from './target.js';
import type {Target} from './target.js';

const {Client, utils} = ssh2;

const HOST_KEY_ALGORITHMS = [
  'ssh-ed25519',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'rsa-sha2-512',
  'rsa-sha2-256',
  'ssh-rsa',
] as const;

type HostKeyAlgorithm = (typeof HOST_KEY_ALGORITHMS)[number];

/** Prefer host key types that known_hosts holds for this host, as OpenSSH does. */
function hostKeyOrder(known: string[]): HostKeyAlgorithm[] {
  const wanted = (alg: string) => known.includes(alg.startsWith('rsa-sha2') ? 'ssh-rsa' : alg);
  return [...HOST_KEY_ALGORITHMS.filter(wanted), ...HOST_KEY_ALGORITHMS.filter((a) => !wanted(a))];
}

export interface SshConnection {
  client: ClientType;
  /** Ends this connection and every jump connection under it. */
  end(): void;
}

async function loadKey(file: string, target: Target): Promise<ParsedKey | undefined> {
  if (!existsSync(file)) {
    if (!target.explicitKeys) return undefined;
    throw new PxeError('E_CONNECT', `private key ${file} does not exist`, {where: {host: target.name}});
  }
  const data = readFileSync(file);
  let key = utils.parseKey(data);
  if (key instanceof Error && /passphrase|encrypted/i.test(key.message)) {
    const passphrase = await keyPassphrase(file);
    if (passphrase === undefined) {
      throw new PxeError('E_CONNECT', `private key ${file} is encrypted`, {
        where: {host: target.name},
        hint: 'set PXEPROV_KEY_PASSPHRASE, run on a terminal to be asked, or load the key into ssh-agent',
      });
    }
    key = utils.parseKey(data, passphrase);
  }
  if (key instanceof Error) {
    throw new PxeError('E_CONNECT', `cannot use private key ${file}: ${key.message}`, {where: {host: target.name}});
  }
  return Array.isArray(key) ? key[0] : key;
}

async function authMethods(target: Target, spec: ConnectionSpec): Promise<AnyAuthMethod[]> {
  const username = target.user;
  const methods: AnyAuthMethod[] = [];
  for (const file of target.keyFiles) {
    const key = await loadKey(file, target);
    if (key) methods.push({type: 'publickey', username, key});
  }
  if (process.env.SSH_AUTH_SOCK) methods.push({type: 'agent', username, agent: process.env.SSH_AUTH_SOCK});
  if (spec.password !== undefined) methods.push({type: 'password', username, password: spec.password});
  return methods;
}

function hostKeyError(target: Target, token: string, blob: Buffer, verdict: HostKeyVerdict): PxeError {
  const where = {host: target.name};
  const fp = `${keyTypeOf(blob)} ${fingerprint(blob)}`;
  const file = target.knownHostsFile;
  const scan = `ssh-keyscan${target.port === 22 ? '' : ` -p ${target.port}`} -t ${keyTypeOf(blob)} ${target.host} >> ${file}`;
  if (verdict.status === 'changed') {
    return new PxeError('E_HOST_KEY', `the host key of ${token} CHANGED (now ${fp}); refusing to connect`, {
      where,
      expected: `the key recorded at ${file}:${verdict.line}`,
      hint: `this can be a man-in-the-middle attack; if the host was really reinstalled: ssh-keygen -R '${token}' -f ${file} && ${scan}`,
    });
  }
  if (verdict.status === 'revoked') {
    return new PxeError('E_HOST_KEY', `the host key of ${token} (${fp}) is marked @revoked in ${file}`, {where});
  }
  const other = verdict.status === 'unknown' && verdict.otherTypes.length ? ` (${file} has only ${verdict.otherTypes.join(', ')} keys for it)` : '';
  return new PxeError('E_HOST_KEY', `the host key of ${token} is unknown: ${fp}${other}`, {
    where,
    hint: `check the fingerprint out of band, then accept it: ${scan} (or set pxeprov_host_key_checking: false for a throw-away lab)`,
  });
}

function connectError(target: Target, error: Error & {level?: string; code?: string}): PxeError {
  const where = {host: target.name};
  const at = `${target.user}@${target.host}:${target.port}`;
  if (/timed out/i.test(error.message)) {
    return new PxeError('E_TIMEOUT', `connecting to ${at} timed out after ${target.connectTimeoutMs / 1000}s`, {where, cause: error});
  }
  if (error.level === 'client-authentication') {
    return new PxeError('E_CONNECT', `authentication as ${target.user} on ${target.host}:${target.port} failed`, {
      where,
      cause: error,
      hint: 'set ansible_ssh_private_key_file or ansible_password, or load a key into ssh-agent',
    });
  }
  return new PxeError('E_CONNECT', `cannot connect to ${at}: ${error.message}`, {where, cause: error});
}

async function connectOne(spec: ConnectionSpec, target: Target, sock?: Duplex): Promise<ClientType> {
  let entries: ReturnType<typeof parseKnownHosts> = [];
  if (target.hostKeyChecking && existsSync(target.knownHostsFile)) {
    entries = parseKnownHosts(readFileSync(target.knownHostsFile, 'utf8'));
  }
  const token = hostToken(target.host, target.port);
  const methods = await authMethods(target, spec);
  let rejected: PxeError | undefined;
  const client = new Client();
  return new Promise((resolve, reject) => {
    client.once('ready', () => resolve(client));
    // ssh2 can emit more than one error (a timeout, then the lost socket): keep listening.
    client.on('error', (error) => {
      client.end();
      reject(rejected ?? connectError(target, error));
    });
    client.connect({
      host: target.host,
      port: target.port,
      sock,
      username: target.user,
      readyTimeout: target.connectTimeoutMs,
      keepaliveInterval: 15_000,
      keepaliveCountMax: 4,
      algorithms: {serverHostKey: hostKeyOrder(knownKeyTypes(entries, token))},
      authHandler: methods,
      hostVerifier: (blob: Buffer) => {
        if (!target.hostKeyChecking) return true;
        const verdict = checkHostKey(entries, token, blob);
        if (verdict.status === 'known') return true;
        rejected = hostKeyError(target, token, blob, verdict);
        return false;
      },
    });
  });
}

function forward(client: ClientType, target: Target): Promise<Duplex> {
  return new Promise((resolve, reject) => {
    client.forwardOut('127.0.0.1', 0, target.host, target.port, (error, stream) => {
      if (error) reject(new PxeError('E_CONNECT', `the jump host cannot reach ${target.host}:${target.port}: ${error.message}`, {where: {host: target.name}}));
      else resolve(stream);
    });
  });
}

export async function openSsh(spec: ConnectionSpec): Promise<SshConnection> {
  const target = resolveTarget(spec);
  const jumps: ClientType[] = [];
  const endAll = () => [...jumps].reverse().forEach((c) => c.end());
  try {
    const hops = (target.proxyJump?.split(',') ?? []).map((hop) => {
      const hopSpec = jumpSpec(hop, spec);
      const hopTarget = resolveTarget(hopSpec);
      // A hop without keys of its own in the ssh config uses the target's explicit key.
      if (!hopTarget.explicitKeys && spec.privateKeyFile) hopTarget.keyFiles = target.keyFiles;
      return {hopSpec, hopTarget};
    });
    let sock: Duplex | undefined;
    for (const [i, {hopSpec, hopTarget}] of hops.entries()) {
      const jump = await connectOne(hopSpec, hopTarget, sock);
      jumps.push(jump);
      sock = await forward(jump, hops[i + 1]?.hopTarget ?? target);
    }
    const client = await connectOne(spec, target, sock);
    client.on('close', endAll);
    return {
      client,
      end: () => {
        client.end();
        endAll();
      },
    };
  } catch (error) {
    endAll();
    throw error;
  }
}
