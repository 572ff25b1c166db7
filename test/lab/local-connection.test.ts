/**
 * pxeprov run on the PXE server itself: the packaged CLI is copied into the lab host (a Debian 12 container)
 * with Node, and `pxeprov up` there runs a play on the lab host through ansible_connection: local — the same
 * agent in a local sh, no SSH. It converges, a second run changes nothing, and `check` sees a hand edit
 * (drift, exit 2) without writing. Its own prefix (pxh3), so other labs are left alone.
 */
import assert from 'node:assert/strict';
import {cp, mkdir, mkdtemp, rm, writeFile} from 'node:fs/promises';
import {existsSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {after, before, describe, it} from 'node:test';
import {stringify} from 'yaml';
import {labDown, labNames, labUp, runInLabHost} from '../../src/lab/index.js';

const PREFIX = 'pxh3';
/** What `npm pack` ships (package.json "files"), plus its dependencies. */
const PACKAGE = [
  'bin',
  'dist',
  'src/agent/agent.sh',
  'schemas',
  'roles',
  'playbooks',
  'oclif.manifest.json',
  'package.json',
  'node_modules',
];

describe('lab: pxeprov on the lab host itself (ansible_connection: local)', {timeout: 15 * 60_000}, () => {
  let dir: string;
  const inLab = (command: string) => runInLabHost(command, {prefix: PREFIX, allowFail: true, timeoutMs: 5 * 60_000});
  const pxeprov = (args: string) =>
    inLab(`cd /root/local && PATH=/usr/local/bin:$PATH /opt/pxeprov/bin/pxeprov ${args}`);

  before(async () => {
    assert.ok(existsSync('dist/commands'), 'build first: npm run build');
    await labDown({prefix: PREFIX}); // a killed earlier run
    dir = await mkdtemp(join(tmpdir(), 'pxeprov-lab-local-'));
    await labUp({prefix: PREFIX, inventory: join(dir, 'lab.yaml')});
    const root = labNames(PREFIX).rootDir;
    await mkdir(join(root, 'opt/pxeprov/src/agent'), {recursive: true});
    for (const part of PACKAGE) await cp(part, join(root, 'opt/pxeprov', part), {recursive: true, dereference: true});
    await cp(process.execPath, join(root, 'usr/local/bin/node'));
    await mkdir(join(root, 'root/local'), {recursive: true});
    await writeFile(
      join(root, 'root/local/inventory.yaml'),
      stringify({all: {hosts: {'pxe-here': {ansible_connection: 'local'}}}}),
    );
    await writeFile(
      join(root, 'root/local/site.yaml'),
      stringify([
        {
          name: 'On the PXE server itself',
          hosts: 'all',
          tasks: [
            {name: 'state dir', file: {path: '/srv/local-test', state: 'directory', mode: '0755'}},
            {
              name: 'motd',
              copy: {
                dest: '/srv/local-test/motd',
                content: '{{ inventory_hostname }} is {{ ansible_hostname }}\n',
                mode: '0644',
              },
            },
            {name: 'issue', lineinfile: {path: '/srv/local-test/issue', line: 'managed by pxeprov', create: true}},
          ],
        },
      ]),
    );
  });

  after(async () => {
    await labDown({prefix: PREFIX});
    await rm(dir, {recursive: true, force: true});
  });

  it('up converges the lab host through a local agent, then changes nothing', async () => {
    const first = await pxeprov('up inventory.yaml -p site.yaml --json');
    assert.equal(first.code, 0, `${first.stdout}\n${first.stderr}`);
    const report = JSON.parse(first.stdout) as {hosts: Array<{host: string; stats: {changed: number; failed: number}}>};
    assert.deepEqual(
      report.hosts.map((h) => [h.host, h.stats.changed, h.stats.failed]),
      [['pxe-here', 3, 0]],
    );
    const machine = labNames(PREFIX).machine;
    assert.equal((await inLab('cat /srv/local-test/motd')).stdout, `pxe-here is ${machine}\n`);
    const again = await pxeprov('up inventory.yaml -p site.yaml --json');
    assert.equal(again.code, 0, again.stderr);
    assert.equal((JSON.parse(again.stdout) as typeof report).hosts[0]!.stats.changed, 0);
  });

  it('check finds a hand edit (exit 2) and writes nothing', async () => {
    await inLab('echo edited > /srv/local-test/motd');
    const check = await pxeprov('check inventory.yaml -p site.yaml');
    assert.equal(check.code, 2, `${check.stdout}\n${check.stderr}`);
    assert.equal((await inLab('cat /srv/local-test/motd')).stdout, 'edited\n');
  });
});
