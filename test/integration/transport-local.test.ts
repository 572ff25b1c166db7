/**
 * ansible_connection: local — the same agent in a local child process: a play converges files under a
 * temp dir (second run changes nothing, check mode only reads), read-only mode is enforced by the agent,
 * become works locally with sudo and su, and the host name is never looked up.
 */
import assert from 'node:assert/strict';
import {mkdtempSync, readFileSync, rmSync, statSync, writeFileSync} from 'node:fs';
import {hostname, tmpdir} from 'node:os';
import {join} from 'node:path';
import {after, before, describe, it} from 'node:test';
import {stringify} from 'yaml';
import {converge} from '../../src/engine/converge.js';
import {PxeError} from '../../src/errors.js';
import {connect, connectionSpecFromVars} from '../../src/transport/index.js';
import {TEST_USERS, ensureTestUsers, hasSudo} from '../helpers/sshd.js';

let dir: string;
before(() => {
  ensureTestUsers();
  dir = mkdtempSync(join(tmpdir(), 'pxeprov-local-'));
});
after(() => rmSync(dir, {recursive: true, force: true}));

describe('ansible_connection: local', () => {
  it('runs a play through a local agent: converges, then changes nothing, and check mode only reads', async () => {
    const out = join(dir, 'play');
    const inventory = join(dir, 'inventory.yaml');
    const playbook = join(dir, 'site.yaml');
    // .invalid never resolves: a DNS lookup of the name would fail the run.
    writeFileSync(
      inventory,
      stringify({
        all: {hosts: {'pxe-here.invalid': {ansible_connection: 'local', pxeprov_state_dir: join(dir, 'state')}}},
      }),
    );
    writeFileSync(
      playbook,
      stringify([
        {
          name: 'Local',
          hosts: 'all',
          tasks: [
            {name: 'dir', file: {path: out, state: 'directory', mode: '0750'}},
            {
              name: 'motd',
              copy: {dest: join(out, 'motd'), content: 'hello from {{ inventory_hostname }}\n', mode: '0640'},
            },
            {name: 'line', lineinfile: {path: join(out, 'issue'), line: 'managed here', create: true}},
          ],
        },
      ]),
    );
    const run = (check: boolean) =>
      converge({inventory, playbook, tags: [], skipTags: [], extraVars: [], forks: 1, check, emit: () => {}});
    const first = await run(false);
    assert.deepEqual(
      first.hosts.map((h) => [h.host, h.stats.failed, h.stats.changed]),
      [['pxe-here.invalid', 0, 3]],
      JSON.stringify(first.hosts[0]?.tasks),
    );
    assert.equal(readFileSync(join(out, 'motd'), 'utf8'), 'hello from pxe-here.invalid\n');
    assert.equal(readFileSync(join(out, 'issue'), 'utf8'), 'managed here\n');
    assert.equal(statSync(join(out, 'motd')).mode & 0o777, 0o640);
    const second = await run(false);
    assert.equal(second.hosts[0]!.stats.changed, 0);
    writeFileSync(join(out, 'motd'), 'edited by hand\n');
    const checked = await run(true);
    assert.equal(checked.drift, true);
    assert.equal(readFileSync(join(out, 'motd'), 'utf8'), 'edited by hand\n', 'check mode wrote nothing');
  });

  it('gathers this machine’s facts without SSH, and the agent itself refuses writes in read-only mode', async () => {
    const saved = process.env.SSH_CONNECTION;
    process.env.SSH_CONNECTION = '192.0.2.7 50000 127.0.0.1 22';
    try {
      const agent = await connect(connectionSpecFromVars('here.invalid', {ansible_connection: 'local'}), {
        readOnly: true,
      });
      try {
        assert.equal(agent.facts.hostname, hostname());
        assert.equal(agent.facts.user, 'root');
        assert.equal(agent.facts.sshAddress, undefined, 'the SSH session pxeprov runs in is not the host’s');
        await assert.rejects(
          agent.writeFile(join(dir, 'ro'), 'x'),
          (e: unknown) => e instanceof PxeError && e.code === 'E_READ_ONLY',
        );
        assert.equal((await agent.stat([join(dir, 'ro')]))[0]!.kind, 'absent');
      } finally {
        await agent.close();
      }
    } finally {
      if (saved === undefined) delete process.env.SSH_CONNECTION;
      else process.env.SSH_CONNECTION = saved;
    }
  });

  it('becomes another user with su (root needs no password)', async () => {
    const agent = await connect({
      name: 'here',
      connection: 'local',
      become: true,
      becomeMethod: 'su',
      becomeUser: TEST_USERS.su.name,
    });
    try {
      assert.equal(agent.facts.user, TEST_USERS.su.name);
      assert.equal((await agent.exec(['id', '-un'])).stdout.toString().trim(), TEST_USERS.su.name);
    } finally {
      await agent.close();
    }
  });

  it('becomes another user with sudo', {skip: hasSudo() ? false : 'sudo is not installed'}, async () => {
    const agent = await connect({
      name: 'here',
      connection: 'local',
      become: true,
      becomeUser: TEST_USERS.nopasswd.name,
    });
    try {
      assert.equal(agent.facts.user, TEST_USERS.nopasswd.name);
    } finally {
      await agent.close();
    }
  });
});
