/**
 * Many hosts in one run: a host that accepts TCP and never speaks SSH, one whose sshd dies mid-run and one whose
 * agent is killed mid-run each fail alone, named, with their reason; the healthy hosts finish their plays without
 * waiting for them, and the run exits 1. Three sshds on loopback addresses stand for three machines.
 */
import assert from 'node:assert/strict';
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {createServer, type Server, type Socket} from 'node:net';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {after, before, describe, it} from 'node:test';
import {stringify} from 'yaml';
import {converge} from '../../src/engine/converge.js';
import {exitCodeOf, type EngineEvent, type RunReport} from '../../src/engine/events.js';
import {recapText} from '../../src/report/recap.js';
import {freePort, startSshd, type TestSshd} from '../helpers/sshd.js';

const HEALTHY = ['good1', 'good2', 'good3', 'good4'];

/** The processes under a process, deepest first, with their command names. */
function descendants(pid: number): {pid: number; comm: string}[] {
  const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
    .trim()
    .split(' ')
    .filter(Boolean)
    .map(Number);
  return children.flatMap((child) => [
    ...descendants(child),
    {pid: child, comm: readFileSync(`/proc/${child}/comm`, 'utf8').trim()},
  ]);
}

/** SIGKILL to the processes under this test's sshd that `which` picks (never the listener itself). */
function killUnder(sshd: TestSshd, which: (comm: string) => boolean): number {
  const listener = Number(readFileSync(join(sshd.dir, 'sshd.pid'), 'utf8'));
  const victims = descendants(listener).filter((p) => which(p.comm));
  for (const {pid} of victims) process.kill(pid, 'SIGKILL');
  return victims.length;
}

describe('a fleet with hosts that fail', {timeout: 120_000}, () => {
  let healthy: TestSshd;
  let dying: TestSshd;
  let agentless: TestSshd;
  let silent: Server;
  const held: Socket[] = [];
  let dir: string;
  let report: RunReport;
  const events: EngineEvent[] = [];
  const killed: Record<string, number> = {};

  before(async () => {
    [healthy, dying, agentless] = await Promise.all([
      startSshd(),
      startSshd({address: '127.0.0.2'}),
      startSshd({address: '127.0.0.3'}),
    ]);
    // Accepts the TCP connection, then says nothing: no SSH banner, ever.
    const silentPort = await freePort('127.0.0.4');
    silent = createServer((socket) => void held.push(socket));
    await new Promise<void>((resolve) => silent.listen(silentPort, '127.0.0.4', resolve));
    dir = mkdtempSync(join(tmpdir(), 'pxeprov-fleet-'));
    const knownHosts = join(dir, 'known_hosts');
    writeFileSync(knownHosts, [healthy, dying, agentless].map((s) => readFileSync(s.knownHosts, 'utf8')).join(''));
    // Every name is this machine: each keeps its own state (and run lock) directory.
    const on = (sshd: TestSshd, name: string) => ({
      ansible_host: sshd.address,
      ansible_port: sshd.port,
      ansible_ssh_private_key_file: sshd.keys.ed25519,
      pxeprov_state_dir: join(dir, 'state', name),
    });
    const hosts = {
      ...Object.fromEntries(HEALTHY.map((name) => [name, on(healthy, name)])),
      silent: {ansible_host: '127.0.0.4', ansible_port: silentPort, ansible_timeout: 10},
      dying: on(dying, 'dying'),
      agentless: on(agentless, 'agentless'),
    };
    const all = {hosts, vars: {ansible_user: 'root', pxeprov_known_hosts: knownHosts, root: dir}};
    writeFileSync(join(dir, 'inventory.yaml'), stringify({all}));
    const tasks = [
      {name: 'workdir', file: {path: '{{ root }}/{{ inventory_hostname }}', state: 'directory'}},
      {name: 'nap', command: {argv: ['sleep', '1']}},
      {name: 'marker', copy: {dest: '{{ root }}/{{ inventory_hostname }}/done', content: 'done\n'}},
    ];
    writeFileSync(join(dir, 'site.yaml'), stringify([{name: 'Fleet', hosts: 'all', gather_facts: false, tasks}]));
    report = await converge({
      inventory: join(dir, 'inventory.yaml'),
      playbook: join(dir, 'site.yaml'),
      tags: [],
      skipTags: [],
      extraVars: [],
      forks: 10,
      check: false,
      emit: (event) => {
        events.push(event);
        if (event.type !== 'task-start' || event.task !== 'nap') return;
        // Mid-run: the connection's own sshd processes (the TCP connection drops), or the shell and agent under them.
        if (event.host === 'dying') killed.dying = killUnder(dying, (comm) => comm.startsWith('sshd'));
        if (event.host === 'agentless') killed.agentless = killUnder(agentless, (comm) => !comm.startsWith('sshd'));
      },
    });
  });

  after(async () => {
    for (const socket of held) socket.destroy();
    silent?.close();
    await Promise.all([healthy, dying, agentless].map((s) => s?.stop()));
    if (dir) rmSync(dir, {recursive: true, force: true});
  });

  const hostReport = (name: string) => report.hosts.find((h) => h.host === name)!;

  it('finishes the healthy hosts', () => {
    for (const name of HEALTHY) {
      const host = hostReport(name);
      assert.equal(host.error, undefined, `${name}: ${host.error?.message}`);
      assert.deepEqual([host.stats.failed, host.stats.unreachable], [0, 0]);
      assert.equal(readFileSync(join(dir, name, 'done'), 'utf8'), 'done\n');
    }
  });

  it('reports the host that never speaks SSH as unreachable after its connect timeout', () => {
    const host = hostReport('silent');
    assert.equal(host.stats.unreachable, 1);
    assert.equal(host.error?.code, 'E_TIMEOUT');
    assert.match(host.error!.message, /timed out after 10s/);
  });

  it('reports the hosts that died mid-run as failed, each with its own reason', () => {
    assert.ok(killed.dying! > 0 && killed.agentless! > 0, `processes killed: ${JSON.stringify(killed)}`);
    for (const name of ['dying', 'agentless']) {
      const host = hostReport(name);
      assert.equal(host.stats.failed, 1, `${name}: ${JSON.stringify(host.stats)}`);
      const nap = host.tasks.find((t) => t.task === 'nap')!;
      assert.equal(nap.status, 'failed');
      assert.equal(nap.error?.code, 'E_DISCONNECTED', `${name}: ${nap.error?.message}`);
      assert.match(nap.error!.message, new RegExp(`connection to ${name}\\b`));
      assert.equal(
        host.tasks.some((t) => t.task === 'marker'),
        false,
      );
    }
  });

  it('does not hold the healthy hosts back: they are done before the silent host times out', () => {
    const done = events
      .filter((e): e is Extract<EngineEvent, {type: 'host-done'}> => e.type === 'host-done')
      .map((e) => e.report.host);
    const silentAt = done.indexOf('silent');
    for (const name of [...HEALTHY, 'dying', 'agentless'])
      assert.ok(done.indexOf(name) < silentAt, `${name} finished after the silent host: ${done.join(', ')}`);
  });

  it('exits 1 and names every failed host in the recap', () => {
    assert.equal(exitCodeOf(report), 1);
    const recap = recapText(report, false);
    assert.match(recap, /3 of 7 host\(s\) failed or unreachable: silent, dying, agentless/);
  });
});
