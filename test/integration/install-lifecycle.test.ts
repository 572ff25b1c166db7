/**
 * The install lifecycle against the suite's real sshd on 127.0.0.1, with the shipped playbook's per-host
 * menu tasks writing into a temp TFTP root: hosts boot local by default; `pxeprov install` puts one into
 * build mode (state + menus, one run); the server's own callback script (rendered from the http role,
 * run under dash and busybox sh as systemd would, the connection on stdin/stdout) flips it back with the
 * right token and changes nothing with a wrong one; `check` sees no drift after the flip and `up` does
 * not undo it; `pxeprov hosts` reads it all. Bad names exit 3 before anything changes.
 */
import assert from 'node:assert/strict';
import {spawnSync} from 'node:child_process';
import {existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {after, before, describe, it} from 'node:test';
import {stringify} from 'yaml';
import {renderTemplateFile} from '../../src/config/template.js';
import type {RunReport} from '../../src/engine/events.js';
import {pxeprov} from '../helpers/cli.js';
import {startSshd, type TestSshd} from '../helpers/sshd.js';

let sshd: TestSshd;
let dir: string;
let inventory: string;
let env: Record<string, string>;

const MACS = {
  node01: '52:54:00:AA:00:01',
  node02: '52:54:00:aa:00:02',
  node03: '52:54:00:aa:00:03',
  kiosk: '52:54:00:aa:00:04',
};
const tftp = () => join(dir, 'tftp');
const stateDir = () => join(dir, 'state', 'hosts');
const biosMenu = (mac: string) => join(tftp(), 'pxelinux.cfg', `01-${mac.toLowerCase().replaceAll(':', '-')}`);
const grubMenu = (mac: string) => join(tftp(), 'grub', `grub.cfg-01-${mac.toLowerCase().replaceAll(':', '-')}`);
const ipxeMenu = (mac: string) => join(tftp(), 'ipxe', `01-${mac.toLowerCase().replaceAll(':', '-')}.ipxe`);
const read = (path: string) => readFileSync(path, 'utf8');

function run(args: string[]) {
  return pxeprov([...args, '--json'], env);
}

function changed(report: RunReport): string[] {
  return report.hosts.flatMap((h) =>
    h.tasks.filter((t) => t.status === 'changed').map((t) => `${t.task}${t.item ? `: ${t.item}` : ''}`),
  );
}

/**
 * The callback as systemd runs it: the request on stdin (with the caller's address as nginx passes it, node01's
 * by default; null: no such header), the reply on stdout.
 */
async function callback(
  path: string,
  shell: string,
  client: string | null = NODE01_IP,
): Promise<{status: string; body: string}> {
  const script = join(dir, 'build-done');
  const vars = {
    pxe_build_state_dir: stateDir(),
    pxe_tftp_root: tftp(),
    grub_cfg_dir: 'grub',
    dhcp_mode: 'server',
    dhcp_hosts: DHCP_HOSTS,
  };
  writeFileSync(script, await renderTemplateFile('roles/http/templates/build-done.sh.j2', vars));
  const from = client === null ? '' : `X-Pxeprov-Client: ${client}\r\n`;
  const r = spawnSync(shell.split(' ')[0]!, [...shell.split(' ').slice(1), script], {
    input: `GET ${path} HTTP/1.0\r\nHost: pxe\r\n${from}Connection: close\r\n\r\n`,
    encoding: 'utf8',
  });
  assert.equal(r.status, 0, r.stderr);
  const [head, body] = r.stdout.split('\r\n\r\n');
  return {status: head!.split('\r\n')[0]!, body: body!.trim()};
}

const NODE01_IP = '192.168.77.51';
const DHCP_HOSTS = [
  {name: 'node01', mac: MACS.node01, ip: NODE01_IP, profile: 'ks'},
  {name: 'node02', mac: MACS.node02, profiles: ['manual', 'ks'], profile: 'ks'},
  {name: 'node03', mac: MACS.node03},
  {name: 'kiosk', mac: MACS.kiosk, profile: 'ks', install: 'always'},
];

const token = (name: string) => /^token=(.*)$/m.exec(read(join(stateDir(), name)))?.[1];

before(async () => {
  sshd = await startSshd();
  dir = mkdtempSync(join(tmpdir(), 'pxeprov-install-'));
  inventory = join(dir, 'inventory.yaml');
  env = {PXEPROV_SSH_CONFIG: join(sshd.dir, 'ssh_config')};
  writeFileSync(join(dir, 'testos.iso'), '');
  writeFileSync(
    inventory,
    stringify({
      all: {
        children: {
          pxe_servers: {
            hosts: {
              pxe1: {
                ansible_host: '127.0.0.1',
                ansible_port: sshd.port,
                ansible_user: 'root',
                ansible_ssh_private_key_file: sshd.keys.ed25519,
                pxeprov_known_hosts: sshd.knownHosts,
                pxeprov_state_dir: join(dir, 'state'),
                pxe_iface: 'lo',
                pxe_ip: '192.168.77.1',
                pxe_subnet: '192.168.77.0/24',
                pxe_tftp_root: tftp(),
                pxe_install_root: join(dir, 'install'),
                media_isos: [{name: 'testos', iso: 'testos.iso'}],
                pxe_profiles: [
                  {name: 'ks', media: 'testos'},
                  {name: 'manual', media: 'testos', kind: 'manual'},
                ],
                dhcp_hosts: DHCP_HOSTS,
              },
            },
          },
        },
      },
    }),
  );
  const up = run(['up', inventory, '--tags', 'pxe_menus']);
  assert.equal(up.code, 0, up.stdout + up.stderr);
});

after(async () => {
  await sshd?.stop();
  rmSync(dir, {recursive: true, force: true});
});

describe('install lifecycle on a real sshd', {concurrency: false}, () => {
  it('per-host menus boot the local disk by default; install: always boots the profile; a host without profile has none', () => {
    assert.match(read(biosMenu(MACS.node01)), /^ONTIMEOUT local$/m);
    assert.match(read(grubMenu(MACS.node01)), /^set default=local$/m);
    assert.match(read(ipxeMenu(MACS.node01)), /^choose --default local /m);
    assert.match(read(biosMenu(MACS.kiosk)), /^ONTIMEOUT ks$/m);
    assert.doesNotMatch(read(biosMenu(MACS.kiosk)), /pxeprov\.done=/, 'nothing to flip back');
    assert.ok(!existsSync(biosMenu(MACS.node03)));
    const node02 = read(biosMenu(MACS.node02));
    assert.deepEqual(
      [...node02.matchAll(/^LABEL (\S+)$/gm)].map((m) => m[1]),
      ['ks', 'manual', 'local'],
      'its profiles and local boot',
    );
    assert.ok(!existsSync(stateDir()), 'no state until a host is installed');
  });

  it('install puts a host into build mode: its menus default to its profile and carry the callback', () => {
    const before = read(biosMenu(MACS.node02));
    const r = run(['install', 'node01', inventory]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const result = r.json as {hosts: {name: string; state: string; since: string; profile: string}[]};
    assert.deepEqual(
      result.hosts.map((h) => [h.name, h.state, h.profile]),
      [['node01', 'build', 'ks']],
    );
    assert.match(result.hosts[0]!.since, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const t = token('node01')!;
    assert.match(t, /^[0-9a-f]{32}$/);
    assert.ok(!r.stdout.includes(t) && !r.stderr.includes(t), 'the token never shows');
    for (const menu of [read(biosMenu(MACS.node01)), read(grubMenu(MACS.node01)), read(ipxeMenu(MACS.node01))]) {
      assert.match(menu, /^(ONTIMEOUT ks|set default=ks|choose --default ks .*)$/m);
      assert.ok(menu.includes(` pxeprov.done=http://192.168.77.1/pxeprov/done/node01/${t}`));
    }
    assert.equal(read(biosMenu(MACS.node02)), before, 'other hosts are left alone');
    assert.equal(
      spawnSync('stat', ['-c', '%a', join(stateDir(), 'node01')], {encoding: 'utf8'}).stdout.trim(),
      '600',
      'the state holds the token: root only',
    );
  });

  it('check sees no drift in build mode; up keeps it', () => {
    assert.equal(run(['check', inventory, '--tags', 'pxe_menus']).code, 0);
    const up = run(['up', inventory, '--tags', 'pxe_menus']);
    assert.deepEqual(changed(up.json as RunReport), []);
  });

  for (const shell of ['dash', 'busybox sh']) {
    it(`the callback (${shell}): a wrong token or another host's changes nothing`, async () => {
      const t = token('node01')!;
      const snapshot = () => [
        read(biosMenu(MACS.node01)),
        read(grubMenu(MACS.node01)),
        read(ipxeMenu(MACS.node01)),
        read(join(stateDir(), 'node01')),
      ];
      const before = snapshot();
      for (const path of [
        `/pxeprov/done/node01/${'0'.repeat(32)}`,
        `/pxeprov/done/node02/${t}`,
        `/pxeprov/done/node01/${t.slice(1)}`,
        `/pxeprov/done/../node01/${t}`,
        '/ks/ks.cfg',
      ]) {
        const reply = await callback(path, shell);
        assert.match(reply.status, /^HTTP\/1\.0 40[34] /, path);
      }
      // The right token from another address, or with no address: node01 has a reserved one.
      for (const client of ['192.168.77.99', null]) {
        const reply = await callback(`/pxeprov/done/node01/${t}`, shell, client);
        assert.equal(reply.status, 'HTTP/1.0 403 Forbidden', String(client));
        assert.equal(reply.body, `node01 ends its build from its own address, ${NODE01_IP}`);
      }
      assert.deepEqual(snapshot(), before);
      assert.deepEqual(
        readdirSync(stateDir()).filter((f) => !['node01', '.lock'].includes(f)),
        [],
        'no temp file left',
      );
    });
  }

  it('the callback with the build token flips the menus to local and records the time; check and up agree', async () => {
    const t = token('node01')!;
    const reply = await callback(`/pxeprov/done/node01/${t}`, 'dash');
    assert.equal(reply.status, 'HTTP/1.0 200 OK');
    assert.match(reply.body, /^node01: build done at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ/);
    assert.match(read(join(stateDir(), 'node01')), /^state=local\nsince=\S+\ndone=\S+\n$/);
    assert.match(read(biosMenu(MACS.node01)), /^ONTIMEOUT local$/m);
    assert.doesNotMatch(read(grubMenu(MACS.node01)), /pxeprov\.done/);
    assert.match(read(ipxeMenu(MACS.node01)), /^choose --default local /m);
    assert.doesNotMatch(read(ipxeMenu(MACS.node01)), /pxeprov\.done/);
    const again = await callback(`/pxeprov/done/node01/${t}`, 'dash');
    assert.match(again.status, /403/, 'a token works once');
    assert.equal(run(['check', inventory, '--tags', 'pxe_menus']).code, 0, 'the flip is not drift');
    assert.deepEqual(
      changed(run(['up', inventory, '--tags', 'pxe_menus']).json as RunReport),
      [],
      'up does not undo it',
    );
  });

  it('hosts shows each reservation: done with the callback time, local, always, shared; it changes nothing', () => {
    const before = readdirSync(stateDir()).map((f) => read(join(stateDir(), f)));
    const r = run(['hosts', inventory]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const rows = (
      r.json as {hosts: {name: string; state: string; at?: string; mac: string; ip?: string; profiles: string[]}[]}
    ).hosts;
    const done = /^done=(.*)$/m.exec(read(join(stateDir(), 'node01')))![1];
    assert.deepEqual(
      rows.map((h) => [h.name, h.state, h.at]),
      [
        ['node01', 'done', done],
        ['node02', 'local', undefined],
        ['node03', 'shared', undefined],
        ['kiosk', 'always', undefined],
      ],
    );
    assert.deepEqual(
      [rows[0]!.mac, rows[0]!.ip, rows[1]!.profiles],
      ['52:54:00:aa:00:01', '192.168.77.51', ['manual', 'ks']],
    );
    const text = pxeprov(['hosts', inventory], env);
    assert.match(
      text.stdout,
      new RegExp(`^node01 +pxe1 +52:54:00:aa:00:01 +192\\.168\\.77\\.51 +ks +done at ${done}`, 'm'),
    );
    assert.deepEqual(
      readdirSync(stateDir()).map((f) => read(join(stateDir(), f))),
      before,
    );
  });

  it('bad names exit 3 naming each host, and nothing changes', () => {
    const before = readdirSync(join(tftp(), 'pxelinux.cfg')).map((f) => read(join(tftp(), 'pxelinux.cfg', f)));
    const r = run(['install', 'node01', 'nodeX', 'node03', 'kiosk', inventory]);
    assert.equal(r.code, 3, r.stdout + r.stderr);
    const errors = (r.json as {errors: {code: string; message: string}[]}).errors;
    assert.deepEqual(
      errors.map((e) => e.code),
      ['E_HOST', 'E_HOST', 'E_HOST'],
    );
    assert.match(errors[0]!.message, /^no dhcp_hosts entry named 'nodeX' on pxe1/);
    assert.match(errors[1]!.message, /^node03 .*no profile/);
    assert.match(errors[2]!.message, /^kiosk .*install: always/);
    assert.deepEqual(
      readdirSync(join(tftp(), 'pxelinux.cfg')).map((f) => read(join(tftp(), 'pxelinux.cfg', f))),
      before,
    );
  });
});
