/**
 * One authenticated ssh2 connection per host: keys, ssh-agent, password; host keys checked against
 * known_hosts; ProxyJump hops through forwardOut. Every failure is a PxeError naming the host.
 */
import {appendFileSync, existsSync, mkdirSync, readFileSync} from 'node:fs';
import {dirname} from 'node:path';
import type {Duplex} from 'node:stream';
import ssh2 from 'ssh2';
import type {AnyAuthMethod, Client as ClientType, ParsedKey} from 'ssh2';
import {PxeError} from '../errors.js';
import {
  checkHostKey,
  fingerprint,
  hostToken,
  keyTypeOf,
  knownHostsLine,
  knownKeyTypes,
  parseKnownHosts,
} from './known-hosts.js';
import type {HostKeyVerdict, KnownHostLine} from './known-hosts.js';
import type {AgentLink, AgentStream} from './channel.js';
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
  const type = keyTypeOf(blob);
  const fp = `${type} ${fingerprint(blob)}`;
  const file = target.knownHostsFiles[0];
  if (verdict.status === 'changed') {
    const {recorded} = verdict;
    const at = `${recorded.file}:${recorded.line}`;
    const what =
      recorded.keyType === type
        ? `now ${fp}`
        : `it offers only ${fp}, and ${at} records a ${recorded.keyType} key for it`;
    return new PxeError('E_HOST_KEY', `the host key of ${token} CHANGED (${what}); refusing to connect`, {
      where,
      expected: `the key recorded at ${at}`,
      hint:
        `this can be a man-in-the-middle attack: do not accept the new key on trust. Compare ${fingerprint(blob)} with the host's own ` +
        `(on its console: ssh-keygen -lf /etc/ssh/ssh_host_${type.replace(/^ssh-|-.*$/g, '')}_key.pub); only if the host was really reinstalled, ` +
        `remove the old line: ssh-keygen -R '${token}' -f ${recorded.file}`,
    });
  }
  if (verdict.status === 'revoked') {
    return new PxeError('E_HOST_KEY', `the host key of ${token} (${fp}) is marked @revoked in known_hosts`, {where});
  }
  const scan = `ssh-keyscan${target.port === 22 ? '' : ` -p ${target.port}`} -t ${type} ${target.host} >> ${file}`;
  return new PxeError('E_HOST_KEY', `the host key of ${token} is unknown: ${fp}`, {
    where,
    hint: `check the fingerprint out of band, then accept it: ${scan} (or let the first connection record it: -o StrictHostKeyChecking=accept-new in ansible_ssh_common_args)`,
  });
}

/** Every entry of the user and global known_hosts files; a file that exists but cannot be read is an error. */
function knownHostEntries(target: Target): KnownHostLine[] {
  return [...target.knownHostsFiles, ...target.globalKnownHostsFiles].flatMap((file) => {
    try {
      return parseKnownHosts(readFileSync(file, 'utf8'), file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw new PxeError('E_HOST_KEY', `cannot read known_hosts file ${file}: ${(error as Error).message}`, {
        where: {host: target.name},
        cause: error,
      });
    }
  });
}

/** accept-new and no record a new host's key in the first user known_hosts file, as OpenSSH does. */
function recordHostKey(target: Target, token: string, blob: Buffer): void {
  const file = target.knownHostsFiles[0];
  if (!file) throw new Error('no UserKnownHostsFile to record it in');
  if (!existsSync(dirname(file))) mkdirSync(dirname(file), {recursive: true, mode: 0o700});
  appendFileSync(file, knownHostsLine(token, blob, target.hashKnownHosts), {mode: 0o600});
}

function connectError(target: Target, error: Error & {level?: string; code?: string}): PxeError {
  const where = {host: target.name};
  const at = `${target.user}@${target.host}:${target.port}`;
  if (/timed out/i.test(error.message)) {
    return new PxeError('E_TIMEOUT', `connecting to ${at} timed out after ${target.connectTimeoutMs / 1000}s`, {
      where,
      cause: error,
    });
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
  const entries = knownHostEntries(target);
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
        const verdict = checkHostKey(entries, token, blob);
        if (verdict.status === 'known') return true;
        if (verdict.status === 'unknown' && target.hostKeyChecking !== true) {
          try {
            recordHostKey(target, token, blob);
            return true;
          } catch (error) {
            rejected = new PxeError(
              'E_HOST_KEY',
              `cannot record the new host key of ${token} in ${target.knownHostsFiles[0]}: ${(error as Error).message}`,
              {where: {host: target.name}},
            );
            return false;
          }
        }
        // StrictHostKeyChecking no goes on past a changed key, as OpenSSH does; yes and accept-new never.
        if (verdict.status === 'changed' && target.hostKeyChecking === false) return true;
        rejected = hostKeyError(target, token, blob, verdict);
        return false;
      },
    });
    // Nagle's algorithm would hold each small handshake packet until the server's delayed ACK (40 ms on Linux):
    // two such stalls doubled the time to log in, and pipelined requests would wait the same way.
    client.setNoDelay(true);
  });
}

function forward(client: ClientType, target: Target): Promise<Duplex> {
  return new Promise((resolve, reject) => {
    client.forwardOut('127.0.0.1', 0, target.host, target.port, (error, stream) => {
      if (error)
        reject(
          new PxeError('E_CONNECT', `the jump host cannot reach ${target.host}:${target.port}: ${error.message}`, {
            where: {host: target.name},
          }),
        );
      else resolve(stream);
    });
  });
}

function openExec(client: ClientType, command: string, host: string): Promise<AgentStream> {
  return new Promise((resolve, reject) => {
    client.exec(command, (error, channel) => {
      if (error)
        reject(
          new PxeError('E_AGENT', `cannot start the agent on ${host}: ${error.message}`, {where: {host}, cause: error}),
        );
      else resolve(channel);
    });
  });
}

export async function openSsh(spec: ConnectionSpec): Promise<AgentLink> {
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
    const closed = new Promise<void>((resolve) => client.once('close', () => resolve()));
    return {
      exec: (command) => openExec(client, command, spec.name),
      onLost: (listener) => {
        client.on('close', () => listener('connection closed'));
        client.on('error', (error) => listener(error.message));
      },
      end: () => {
        client.end();
        endAll();
      },
      closed,
    };
  } catch (error) {
    endAll();
    throw error;
  }
}
