/**
 * A throw-away OpenSSH server for integration tests: the system's /usr/sbin/sshd on 127.0.0.1 (or another
 * loopback address, so that several servers look like several hosts) on a free port, with host and user
 * keys generated in a temp dir. Needs root (it logs in as root and, for password and become tests, as the
 * local test users it creates once).
 *
 *   const sshd = await startSshd();
 *   const agent = await connect(sshd.spec());                 // root, ed25519 key, known host
 *   const other = await connect(sshd.spec({shell: 'busybox sh'}));
 *   await sshd.stop();
 *
 * spec() returns a ConnectionSpec whose known_hosts file and ssh config are private to this server,
 * so the user's ~/.ssh is never read or written.
 */
import {execFileSync, spawn} from 'node:child_process';
import type {ChildProcess} from 'node:child_process';
import {existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {createServer, connect as netConnect} from 'node:net';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import type {ConnectionSpec} from '../../src/transport/spec.js';

export interface TestUser {
  name: string;
  password: string;
}

/** Local users the harness creates (idempotently) for password and become tests. */
export const TEST_USERS = {
  /** Password login; sudo without a password. */
  nopasswd: {name: 'pxeprovtest', password: 'pxeprov-Test-pw-1'},
  /** sudo needs its password. */
  passwd: {name: 'pxeprovpw', password: "pxe'prov $(pw) `2`"},
  /** Its ~/.bashrc prints a banner on stdout. */
  banner: {name: 'pxeprovbanner', password: 'pxeprov-Banner-3'},
  /** The user others become with su (its own password). */
  su: {name: 'pxeprovsu', password: "su 'pxe' $(prov) 4"},
} satisfies Record<string, TestUser>;

export interface TestSshd {
  port: number;
  /** Temp dir holding keys, config, known_hosts; removed by stop(). */
  dir: string;
  /** User private keys (no passphrase) by type, plus an encrypted ed25519 key. */
  keys: {ed25519: string; rsa: string; ecdsa: string; encrypted: string};
  /** Passphrase of keys.encrypted. */
  passphrase: string;
  /** The loopback address it listens on (127.0.0.1 unless asked otherwise). */
  address: string;
  /** known_hosts with this server's host keys as "[ADDRESS]:port". */
  knownHosts: string;
  /** The server's host public key lines ("type base64"). */
  hostKeys: string[];
  /** A ConnectionSpec for root with the ed25519 key and the known_hosts above. */
  spec(overrides?: Partial<ConnectionSpec>): ConnectionSpec;
  stop(): Promise<void>;
}

function run(cmd: string, args: string[], input?: string): string {
  return execFileSync(cmd, args, {input, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe']});
}

export function freePort(address = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, address, () => {
      const {port} = server.address() as {port: number};
      server.close(() => resolve(port));
    });
  });
}

function waitForPort(address: string, port: number, child: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 10_000;
  return new Promise((resolve, reject) => {
    const attempt = () => {
      if (child.exitCode !== null) return reject(new Error(`sshd exited: ${log()}`));
      const socket = netConnect(port, address);
      socket.once('data', () => {
        socket.destroy();
        resolve();
      });
      socket.once('error', () => {
        socket.destroy();
        if (Date.now() > deadline) reject(new Error(`sshd did not listen on ${port}: ${log()}`));
        else setTimeout(attempt, 50);
      });
    };
    attempt();
  });
}

function userExists(name: string): boolean {
  try {
    run('id', ['-u', name]);
    return true;
  } catch {
    return false;
  }
}

/** Creates the test users, their passwords and sudoers rules; safe to call many times. */
export function ensureTestUsers(): void {
  for (const user of Object.values(TEST_USERS)) {
    if (!userExists(user.name)) run('useradd', ['-m', '-s', '/bin/bash', user.name]);
    run('chpasswd', [], `${user.name}:${user.password}\n`);
  }
  const home = run('sh', ['-c', `getent passwd ${TEST_USERS.banner.name} | cut -d: -f6`]).trim();
  writeFileSync(join(home, '.bashrc'), 'echo "Welcome to the lab, $USER!"\n');
  writeFileSync(join(home, '.profile'), 'echo "Have a nice day"\n');
  if (existsSync('/etc/sudoers.d')) {
    const rules = `${TEST_USERS.nopasswd.name} ALL=(ALL) NOPASSWD: ALL\n${TEST_USERS.passwd.name} ALL=(ALL) ALL\n`;
    writeFileSync('/etc/sudoers.d/pxeprov-test', rules, {mode: 0o440});
  }
}

export function hasSudo(): boolean {
  return existsSync('/usr/bin/sudo') && existsSync('/etc/sudoers.d');
}

export async function startSshd(options: {address?: string} = {}): Promise<TestSshd> {
  const address = options.address ?? '127.0.0.1';
  const dir = mkdtempSync(join(tmpdir(), 'pxeprov-sshd-'));
  mkdirSync('/run/sshd', {recursive: true});
  ensureTestUsers();
  for (const type of ['ed25519', 'ecdsa'])
    run('ssh-keygen', ['-q', '-t', type, '-N', '', '-f', join(dir, `host_${type}`)]);
  const passphrase = 'correct horse battery staple';
  const keys = {
    ed25519: join(dir, 'id_ed25519'),
    rsa: join(dir, 'id_rsa'),
    ecdsa: join(dir, 'id_ecdsa'),
    encrypted: join(dir, 'id_encrypted'),
  };
  run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', keys.ed25519]);
  run('ssh-keygen', ['-q', '-t', 'rsa', '-b', '2048', '-N', '', '-f', keys.rsa]);
  run('ssh-keygen', ['-q', '-t', 'ecdsa', '-N', '', '-f', keys.ecdsa]);
  run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', passphrase, '-f', keys.encrypted]);
  writeFileSync(
    join(dir, 'authorized_keys'),
    Object.values(keys)
      .map((k) => readFileSync(`${k}.pub`, 'utf8'))
      .join(''),
  );
  const port = await freePort(address);
  const hostKeys = ['ed25519', 'ecdsa'].map((t) =>
    readFileSync(join(dir, `host_${t}.pub`), 'utf8')
      .split(' ')
      .slice(0, 2)
      .join(' '),
  );
  const knownHosts = join(dir, 'known_hosts');
  writeFileSync(knownHosts, hostKeys.map((k) => `[${address}]:${port} ${k}\n`).join(''));
  const config = [
    `Port ${port}`,
    `ListenAddress ${address}`,
    `HostKey ${join(dir, 'host_ed25519')}`,
    `HostKey ${join(dir, 'host_ecdsa')}`,
    `PidFile ${join(dir, 'sshd.pid')}`,
    `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
    'UsePAM no',
    'StrictModes no',
    'PermitRootLogin yes',
    'PasswordAuthentication yes',
    'KbdInteractiveAuthentication no',
    'MaxStartups 64:30:128',
    'LogLevel ERROR',
    'Subsystem sftp internal-sftp',
  ].join('\n');
  writeFileSync(join(dir, 'sshd_config'), `${config}\n`);
  let log = '';
  const child = spawn('/usr/sbin/sshd', ['-D', '-e', '-f', join(dir, 'sshd_config')], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  child.stderr!.on('data', (d: Buffer) => {
    log = (log + d.toString()).slice(-4000);
  });
  await waitForPort(address, port, child, () => log);
  const sshConfigFile = join(dir, 'ssh_config');
  writeFileSync(sshConfigFile, '');
  return {
    port,
    address,
    dir,
    keys,
    passphrase,
    knownHosts,
    hostKeys,
    spec: (overrides = {}) => ({
      name: 'testhost',
      host: address,
      port,
      user: 'root',
      privateKeyFile: keys.ed25519,
      knownHostsFile: knownHosts,
      sshConfigFile,
      connectTimeout: 10,
      ...overrides,
    }),
    stop: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, {recursive: true, force: true});
    },
  };
}
