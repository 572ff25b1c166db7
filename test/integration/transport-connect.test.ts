/**
 * Connecting: every auth method, known_hosts verdicts, ssh config and ProxyJump, become with and
 * without a password, a banner that corrupts the stream, timeouts and a connection cut mid-request.
 */
import assert from 'node:assert/strict';
import {execFileSync, spawn} from 'node:child_process';
import {existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync} from 'node:fs';
import {Socket, createServer, connect as netConnect} from 'node:net';
import type {Server} from 'node:net';
import {join} from 'node:path';
import {after, before, describe, it} from 'node:test';
import {PxeError} from '../../src/errors.js';
import {connect, connectionSpecFromVars} from '../../src/transport/index.js';
import type {Agent, ConnectionSpec} from '../../src/transport/index.js';
import {TEST_USERS, hasSudo, startSshd} from '../helpers/sshd.js';
import type {TestSshd} from '../helpers/sshd.js';

function isPxe(code: string, message?: RegExp) {
  return (e: unknown) => {
    assert.ok(e instanceof PxeError, `expected a PxeError, got ${e}`);
    assert.equal(e.code, code, e.message);
    assert.equal(e.where.host, 'testhost');
    if (message) assert.match(`${e.message}\n${e.hint ?? ''}`, message);
    return true;
  };
}

async function withAgent<T>(spec: ConnectionSpec, fn: (agent: Agent) => Promise<T>): Promise<T> {
  const agent = await connect(spec);
  try {
    return await fn(agent);
  } finally {
    await agent.close();
  }
}

/** Runs fn with some environment variables replaced (HOME: no default keys; no ssh-agent). */
async function withEnv<T>(vars: Record<string, string | undefined>, fn: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  const set = (v: Record<string, string | undefined>) => {
    for (const [k, val] of Object.entries(v)) {
      if (val === undefined) delete process.env[k];
      else process.env[k] = val;
    }
  };
  set(vars);
  try {
    return await fn();
  } finally {
    set(saved);
  }
}

/** A TCP proxy in front of sshd that counts connections and can cut them all. */
function tcpProxy(port: number): Promise<{port: number; count: () => number; cut: () => void; close: () => void}> {
  const sockets = new Set<Socket>();
  let count = 0;
  const server: Server = createServer((client) => {
    count++;
    const upstream = netConnect(port, '127.0.0.1');
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => {});
      s.on('close', () => sockets.delete(s));
    }
    client.pipe(upstream).pipe(client);
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({
        port: (server.address() as {port: number}).port,
        count: () => count,
        cut: () => sockets.forEach((s) => s.destroy()),
        close: () => {
          sockets.forEach((s) => s.destroy());
          server.close();
        },
      }),
    ),
  );
}

let sshd: TestSshd;
let home: string;
before(async () => {
  sshd = await startSshd();
  home = mkdtempSync(join(sshd.dir, 'home-'));
});
after(async () => {
  await sshd.stop();
});

const NO_DEFAULTS = () => ({HOME: home, SSH_AUTH_SOCK: undefined, PXEPROV_KEY_PASSPHRASE: undefined});

describe('authentication', () => {
  for (const type of ['ed25519', 'rsa', 'ecdsa'] as const) {
    it(`logs in with an ${type} key`, () =>
      withEnv(NO_DEFAULTS(), () =>
        withAgent(sshd.spec({privateKeyFile: sshd.keys[type]}), async (a) => assert.equal(a.facts.user, 'root')),
      ));
  }

  it('decrypts a key with PXEPROV_KEY_PASSPHRASE', () =>
    withEnv({...NO_DEFAULTS(), PXEPROV_KEY_PASSPHRASE: sshd.passphrase}, () =>
      withAgent(sshd.spec({privateKeyFile: sshd.keys.encrypted}), async (a) => assert.equal(a.facts.user, 'root')),
    ));

  it('says how to give the passphrase of an encrypted key when there is no terminal', () =>
    withEnv(NO_DEFAULTS(), () =>
      assert.rejects(
        connect(sshd.spec({privateKeyFile: sshd.keys.encrypted})),
        isPxe('E_CONNECT', /PXEPROV_KEY_PASSPHRASE/),
      ),
    ));

  it('refuses a wrong passphrase', () =>
    withEnv({...NO_DEFAULTS(), PXEPROV_KEY_PASSPHRASE: 'wrong'}, () =>
      assert.rejects(connect(sshd.spec({privateKeyFile: sshd.keys.encrypted})), isPxe('E_CONNECT')),
    ));

  it('logs in through ssh-agent (SSH_AUTH_SOCK)', async () => {
    const sock = join(sshd.dir, 'agent.sock');
    const agentProc = spawn('ssh-agent', ['-D', '-a', sock], {stdio: 'ignore'});
    try {
      for (let i = 0; i < 100; i++) {
        try {
          execFileSync('ssh-add', [sshd.keys.rsa], {env: {...process.env, SSH_AUTH_SOCK: sock}, stdio: 'ignore'});
          break;
        } catch {
          await new Promise((r) => setTimeout(r, 50));
        }
      }
      await withEnv({...NO_DEFAULTS(), SSH_AUTH_SOCK: sock}, () =>
        withAgent(sshd.spec({privateKeyFile: undefined}), async (a) => assert.equal(a.facts.user, 'root')),
      );
    } finally {
      agentProc.kill();
    }
  });

  it('logs in with a password', () =>
    withEnv(NO_DEFAULTS(), () =>
      withAgent(
        sshd.spec({privateKeyFile: undefined, user: TEST_USERS.nopasswd.name, password: TEST_USERS.nopasswd.password}),
        async (a) => {
          assert.equal(a.facts.user, TEST_USERS.nopasswd.name);
        },
      ),
    ));

  it('fails authentication with E_CONNECT', () =>
    withEnv(NO_DEFAULTS(), () =>
      assert.rejects(
        connect(sshd.spec({privateKeyFile: undefined, user: TEST_USERS.nopasswd.name, password: 'wrong'})),
        isPxe('E_CONNECT', /authentication/),
      ),
    ));
});

describe('host keys', () => {
  const hostToken = () => `[127.0.0.1]:${sshd.port}`;

  it('refuses an unknown key with its fingerprint and the command that accepts it', async () => {
    const known = join(sshd.dir, 'kh-unknown');
    writeFileSync(known, '');
    const fp = execFileSync('ssh-keygen', ['-l', '-f', join(sshd.dir, 'host_ed25519.pub')], {encoding: 'utf8'}).split(
      ' ',
    )[1]!;
    let error: PxeError | undefined;
    await connect(sshd.spec({knownHostsFile: known})).catch((e: PxeError) => (error = e));
    isPxe('E_HOST_KEY', /unknown/)(error);
    assert.ok(error!.message.includes(fp), `${error!.message} names ${fp}`);
    const command = /: (ssh-keyscan [^(]*?) \(or/.exec(error!.hint!)![1]!;
    assert.equal(command, `ssh-keyscan -p ${sshd.port} -t ssh-ed25519 127.0.0.1 >> ${known}`);
    execFileSync('sh', ['-c', command], {stdio: 'ignore'});
    await withAgent(sshd.spec({knownHostsFile: known}), async (a) => assert.equal(a.facts.user, 'root'));
  });

  it('always refuses a CHANGED key', async () => {
    const known = join(sshd.dir, 'kh-changed');
    const other = join(sshd.dir, 'other_host_key');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', other]);
    writeFileSync(known, `${hostToken()} ${readFileSync(`${other}.pub`, 'utf8').split(' ').slice(0, 2).join(' ')}\n`);
    await assert.rejects(
      connect(sshd.spec({knownHostsFile: known})),
      isPxe('E_HOST_KEY', /CHANGED[\s\S]*ssh-keygen -R/),
    );
  });

  it('accepts hashed entries', async () => {
    const known = join(sshd.dir, 'kh-hashed');
    writeFileSync(known, readFileSync(sshd.knownHosts));
    execFileSync('ssh-keygen', ['-q', '-H', '-f', known], {stdio: 'ignore'});
    assert.match(readFileSync(known, 'utf8'), /^\|1\|/);
    await withAgent(sshd.spec({knownHostsFile: known}), async (a) => assert.equal(a.facts.user, 'root'));
  });

  it('uses a key type that known_hosts has when the server offers several', async () => {
    const known = join(sshd.dir, 'kh-ecdsa');
    writeFileSync(known, `${hostToken()} ${sshd.hostKeys[1]}\n`);
    await withAgent(sshd.spec({knownHostsFile: known}), async (a) => assert.equal(a.facts.user, 'root'));
  });

  it('calls a server that offers only another key type than the recorded one CHANGED, and never suggests trusting it', async () => {
    const known = join(sshd.dir, 'kh-other-type');
    const other = join(sshd.dir, 'other_rsa_host_key');
    execFileSync('ssh-keygen', ['-q', '-t', 'rsa', '-b', '2048', '-N', '', '-f', other]);
    writeFileSync(
      known,
      `# recorded long ago\n${hostToken()} ${readFileSync(`${other}.pub`, 'utf8').split(' ').slice(0, 2).join(' ')}\n`,
    );
    let error: PxeError | undefined;
    await connect(sshd.spec({knownHostsFile: known})).catch((e: PxeError) => (error = e));
    isPxe(
      'E_HOST_KEY',
      /CHANGED \(it offers only ssh-ed25519 SHA256:\S+, and \S+kh-other-type:2 records a ssh-rsa key for it\)/,
    )(error);
    assert.match(error!.hint!, new RegExp(`ssh-keygen -R '\\[127\\.0\\.0\\.1\\]:${sshd.port}' -f ${known}`));
    assert.doesNotMatch(`${error!.message} ${error!.hint}`, /ssh-keyscan|>>|unknown/);
  });

  it('accept-new records a new host key in the first UserKnownHostsFile, then refuses a changed one', async () => {
    const known = join(sshd.dir, 'accept-new', 'sub', 'known_hosts');
    const vars = (file: string, strict: string) => ({
      ansible_host: '127.0.0.1',
      ansible_port: sshd.port,
      ansible_ssh_private_key_file: sshd.keys.ed25519,
      ansible_ssh_common_args: `-o StrictHostKeyChecking=${strict} -o "UserKnownHostsFile=${file} ${sshd.dir}/never-written"`,
    });
    await withAgent(connectionSpecFromVars('testhost', vars(known, 'accept-new')), async (a) =>
      assert.equal(a.facts.user, 'root'),
    );
    const recorded = readFileSync(known, 'utf8');
    assert.match(recorded, new RegExp(`^\\[127\\.0\\.0\\.1\\]:${sshd.port} ssh-ed25519 \\S+\\n$`));
    assert.ok(!existsSync(join(sshd.dir, 'never-written')));
    await withAgent(connectionSpecFromVars('testhost', vars(known, 'yes')), async (a) =>
      assert.equal(a.facts.user, 'root'),
    );
    assert.equal(readFileSync(known, 'utf8'), recorded, 'a known key is not recorded twice');
    const other = join(sshd.dir, 'accept-new-other');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', other]);
    const changed = join(sshd.dir, 'accept-new', 'changed');
    writeFileSync(changed, `${hostToken()} ${readFileSync(`${other}.pub`, 'utf8').split(' ').slice(0, 2).join(' ')}\n`);
    await assert.rejects(
      connect(connectionSpecFromVars('testhost', vars(changed, 'accept-new'))),
      isPxe('E_HOST_KEY', /CHANGED/),
    );
    assert.equal(readFileSync(changed, 'utf8').split('\n').length, 2, 'a changed key is never recorded');
  });

  it('reads every UserKnownHostsFile (~ expanded) and the GlobalKnownHostsFile', async () => {
    mkdirSync(join(home, '.ssh'), {recursive: true});
    writeFileSync(join(home, '.ssh', 'kh-empty'), '');
    writeFileSync(join(home, '.ssh', 'kh-second'), readFileSync(sshd.knownHosts));
    await withEnv({HOME: home}, async () => {
      await withAgent(sshd.spec({knownHostsFile: '~/.ssh/kh-empty ~/.ssh/kh-second'}), async (a) =>
        assert.equal(a.facts.user, 'root'),
      );
      await withAgent(
        sshd.spec({knownHostsFile: '~/.ssh/kh-empty', globalKnownHostsFile: sshd.knownHosts}),
        async (a) => assert.equal(a.facts.user, 'root'),
      );
      await assert.rejects(
        connect(sshd.spec({knownHostsFile: '~/.ssh/kh-empty', globalKnownHostsFile: '/nonexistent'})),
        isPxe('E_HOST_KEY', /unknown/),
      );
    });
  });

  it('skips checking with StrictHostKeyChecking=no in ansible_ssh_common_args', async () => {
    const spec = connectionSpecFromVars('testhost', {
      ansible_host: '127.0.0.1',
      ansible_port: sshd.port,
      ansible_user: 'root',
      ansible_ssh_private_key_file: sshd.keys.ed25519,
      ansible_ssh_common_args: '-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null',
    });
    await withAgent(spec, async (a) => assert.equal(a.facts.user, 'root'));
  });
});

describe('ssh config', () => {
  it('takes HostName, Port, User and IdentityFile from the ssh config', async () => {
    const config = join(sshd.dir, 'config-basic');
    writeFileSync(
      config,
      `Host lab\n  HostName 127.0.0.1\n  Port ${sshd.port}\n  User root\n  IdentityFile ${sshd.keys.ecdsa}\n`,
    );
    await withEnv({...NO_DEFAULTS(), PXEPROV_SSH_CONFIG: config}, () =>
      withAgent({name: 'testhost', host: 'lab', knownHostsFile: sshd.knownHosts}, async (a) =>
        assert.equal(a.facts.user, 'root'),
      ),
    );
  });

  it('follows Include (globs, relative to ~/.ssh) and takes StrictHostKeyChecking, UserKnownHostsFile and HashKnownHosts from it', async () => {
    const ssh = join(home, '.ssh');
    mkdirSync(join(ssh, 'conf.d'), {recursive: true});
    writeFileSync(join(ssh, 'config'), 'Include conf.d/*.conf\n');
    writeFileSync(
      join(ssh, 'conf.d', '10-lab.conf'),
      `Host included\n  HostName 127.0.0.1\n  Port ${sshd.port}\n  User root\n  IdentityFile ${sshd.keys.ecdsa}\n  UserKnownHostsFile ~/.ssh/included_known\n`,
    );
    writeFileSync(
      join(ssh, 'conf.d', '20-all.conf'),
      'Host *\n  StrictHostKeyChecking accept-new\n  HashKnownHosts yes\n',
    );
    writeFileSync(join(ssh, 'conf.d', '30-ignored.txt'), 'Host included\n  Port 1\n');
    await withEnv({...NO_DEFAULTS(), PXEPROV_SSH_CONFIG: undefined}, () =>
      withAgent({name: 'testhost', host: 'included'}, async (a) => assert.equal(a.facts.user, 'root')),
    );
    const recorded = readFileSync(join(ssh, 'included_known'), 'utf8');
    assert.match(recorded, /^\|1\|\S+ ssh-ed25519 \S+\n$/, 'recorded under a hashed name (HashKnownHosts yes)');
    await withEnv({...NO_DEFAULTS(), PXEPROV_SSH_CONFIG: undefined}, () =>
      withAgent({name: 'testhost', host: 'included', hostKeyChecking: true}, async (a) =>
        assert.equal(a.facts.user, 'root'),
      ),
    );
    assert.equal(readFileSync(join(ssh, 'included_known'), 'utf8'), recorded);
  });

  it('goes through a ProxyJump host (forwardOut)', async () => {
    const proxy = await tcpProxy(sshd.port);
    try {
      const config = join(sshd.dir, 'config-jump');
      writeFileSync(
        config,
        [
          'Host bastion',
          '  HostName 127.0.0.1',
          `  Port ${proxy.port}`,
          '  User root',
          `  IdentityFile ${sshd.keys.rsa}`,
          'Host behind',
          '  HostName 127.0.0.1',
          `  Port ${sshd.port}`,
          '  User root',
          `  IdentityFile ${sshd.keys.ed25519}`,
          '  ProxyJump bastion',
          '',
        ].join('\n'),
      );
      const known = join(sshd.dir, 'kh-jump');
      writeFileSync(
        known,
        `${readFileSync(sshd.knownHosts, 'utf8')}${sshd.hostKeys.map((k) => `[127.0.0.1]:${proxy.port} ${k}\n`).join('')}`,
      );
      await withEnv(NO_DEFAULTS(), () =>
        withAgent({name: 'testhost', host: 'behind', sshConfigFile: config, knownHostsFile: known}, async (a) => {
          assert.equal(a.facts.user, 'root');
          assert.equal((await a.exec(['true'])).rc, 0);
        }),
      );
      assert.equal(proxy.count(), 1, 'one TCP connection: to the jump host');
    } finally {
      proxy.close();
    }
  });
});

describe('become', {skip: hasSudo() ? false : 'sudo is not installed'}, () => {
  it('uses sudo -n when no password is needed, keeping SSH_CONNECTION', () =>
    withEnv(NO_DEFAULTS(), () =>
      withAgent(
        sshd.spec({
          privateKeyFile: undefined,
          user: TEST_USERS.nopasswd.name,
          password: TEST_USERS.nopasswd.password,
          become: true,
        }),
        async (a) => {
          assert.equal(a.facts.user, 'root');
          assert.equal(a.facts.sshIface, 'lo');
        },
      ),
    ));

  it('feeds the become password to sudo without it showing anywhere', async () => {
    const {name, password} = TEST_USERS.passwd;
    const captured: string[] = [];
    await withEnv(NO_DEFAULTS(), async () => {
      const agent = await connect(
        sshd.spec({privateKeyFile: undefined, user: name, password, become: true, becomePassword: password}),
      );
      try {
        assert.equal(agent.facts.user, 'root');
        const ps = await agent.exec(['ps', '-eo', 'args']);
        captured.push(ps.stdout.toString(), ps.stderr.toString(), JSON.stringify(agent.facts));
        assert.match(ps.stdout.toString(), /sudo -k -S -p/);
      } finally {
        await agent.close();
      }
      for (const [spec, message] of [
        [
          sshd.spec({
            privateKeyFile: undefined,
            user: name,
            password,
            become: true,
            becomePassword: `${password}-wrong`,
          }),
          /refused the become password/,
        ],
        [
          sshd.spec({privateKeyFile: undefined, user: name, password, become: true}),
          /password is required[\s\S]*ansible_become_password/,
        ],
      ] as const) {
        let error: PxeError | undefined;
        await connect(spec).catch((e: PxeError) => (error = e));
        isPxe('E_BECOME', message)(error);
        captured.push(error!.message, error!.hint ?? '', JSON.stringify(error!.toJSON()), String(error!.stack));
      }
    });
    for (const text of captured) assert.ok(!text.includes(password), `the password leaked into: ${text.slice(0, 200)}`);
  });
});

describe('become with su', () => {
  const login = () =>
    sshd.spec({privateKeyFile: undefined, user: TEST_USERS.nopasswd.name, password: TEST_USERS.nopasswd.password});
  const su = {become: true, becomeMethod: 'su', becomeUser: TEST_USERS.su.name} as const;

  it("logs in as one user and becomes another with that user's password, never in argv or output", async () => {
    const {password} = TEST_USERS.su;
    const captured: string[] = [];
    await withEnv(NO_DEFAULTS(), async () => {
      const agent = await connect({...login(), ...su, becomePassword: password});
      try {
        assert.equal(agent.facts.user, TEST_USERS.su.name);
        assert.equal(agent.facts.sshIface, 'lo', 'SSH_CONNECTION reaches the agent through su');
        const ps = await agent.exec(['ps', '-eo', 'args']);
        captured.push(ps.stdout.toString(), ps.stderr.toString(), JSON.stringify(agent.facts));
        assert.match(ps.stdout.toString(), /su -s \/bin\/sh -c/);
      } finally {
        await agent.close();
      }
      for (const [spec, message] of [
        [
          {...login(), ...su, becomePassword: `${password}-wrong`},
          /su on testhost refused: su: Authentication failure[\s\S]*ansible_become_password/,
        ],
        [{...login(), ...su}, /su on testhost asks for the password of pxeprovsu[\s\S]*ansible_become_password/],
      ] as const) {
        let error: PxeError | undefined;
        await connect(spec).catch((e: PxeError) => (error = e));
        isPxe('E_BECOME', message)(error);
        captured.push(error!.message, error!.hint ?? '', JSON.stringify(error!.toJSON()), String(error!.stack));
      }
    });
    for (const text of captured) assert.ok(!text.includes(password), `the password leaked into: ${text.slice(0, 200)}`);
  });
});

describe('the connection', () => {
  it("turns Nagle's algorithm off: each small handshake packet would otherwise wait for the server's delayed ACK", async () => {
    const noDelay = new Set<Socket>();
    const original = Socket.prototype.setNoDelay;
    Socket.prototype.setNoDelay = function (this: Socket, on?: boolean) {
      if (on !== false) noDelay.add(this);
      return original.call(this, on);
    };
    try {
      await withAgent(sshd.spec({}), async () =>
        assert.ok(
          [...noDelay].some((s) => s.remotePort === sshd.port),
          'the socket to sshd has TCP_NODELAY',
        ),
      );
    } finally {
      Socket.prototype.setNoDelay = original;
    }
  });
});

describe('failures', () => {
  it('names a banner or .bashrc that prints to stdout (E_AGENT)', () =>
    withEnv(NO_DEFAULTS(), () =>
      assert.rejects(
        connect(
          sshd.spec({privateKeyFile: undefined, user: TEST_USERS.banner.name, password: TEST_USERS.banner.password}),
        ),
        isPxe('E_AGENT', /Welcome to the lab[\s\S]*bashrc/),
      ),
    ));

  it('times out a server that never answers (E_TIMEOUT)', async () => {
    const silent = createServer(() => {});
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    try {
      const port = (silent.address() as {port: number}).port;
      await assert.rejects(connect(sshd.spec({port, connectTimeout: 1})), isPxe('E_TIMEOUT'));
    } finally {
      silent.close();
    }
  });

  it('reports a refused connection (E_CONNECT)', async () => {
    const proxy = await tcpProxy(sshd.port);
    proxy.close();
    await assert.rejects(connect(sshd.spec({port: proxy.port})), isPxe('E_CONNECT', /ECONNREFUSED/));
  });

  it('fails a request that makes no progress for pxeprov_request_timeout, and those queued behind it', async () => {
    const agent = await connect(sshd.spec({requestTimeout: 1}));
    try {
      const stuck = agent.exec(['sleep', '30']);
      const queued = agent.stat(['/etc/hostname']);
      await assert.rejects(stuck, isPxe('E_TIMEOUT', /exec sleep on testhost made no progress for 1s/));
      await assert.rejects(queued, isPxe('E_TIMEOUT', /stat \/etc\/hostname on testhost was queued behind exec sleep/));
    } finally {
      await agent.close();
    }
  });

  it('fails every pending request with E_DISCONNECTED naming the request in flight', async () => {
    const proxy = await tcpProxy(sshd.port);
    const known = join(sshd.dir, 'kh-cut');
    writeFileSync(known, sshd.hostKeys.map((k) => `[127.0.0.1]:${proxy.port} ${k}\n`).join(''));
    const agent = await connect(sshd.spec({port: proxy.port, knownHostsFile: known}));
    try {
      const running = agent.exec(['sleep', '30']);
      const queued = agent.stat(['/etc/hostname']);
      setTimeout(() => proxy.cut(), 300);
      await assert.rejects(running, isPxe('E_DISCONNECTED', /testhost.*exec sleep/));
      await assert.rejects(queued, isPxe('E_DISCONNECTED', /stat \/etc\/hostname/));
      await assert.rejects(agent.readFile('/etc/hostname'), isPxe('E_DISCONNECTED'));
    } finally {
      await agent.close();
      proxy.close();
    }
  });
});
