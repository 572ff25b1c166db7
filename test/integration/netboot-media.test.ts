/**
 * The media role's netboot entries against a real sshd on 127.0.0.1: a kernel/initrd pair on the control
 * machine, a pair already on the server (remote: true), a netboot tarball and Debian's
 * debian-installer-12-netboot-amd64 package (its text installer found without naming paths) are served as
 * <tftp_root>/<name>/vmlinuz and
 * initrd.img; a second run touches nothing; a new initrd is drift for check and is swapped in by up,
 * keeping the previous pair only; a missing file fails its task, naming the media.
 */
import assert from 'node:assert/strict';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {execFileSync} from 'node:child_process';
import {after, before, describe, it} from 'node:test';
import {stringify} from 'yaml';
import {converge} from '../../src/engine/converge.js';
import {exitCodeOf, type RunReport} from '../../src/engine/events.js';
import {startSshd, type TestSshd} from '../helpers/sshd.js';

const DI = '/usr/lib/debian-installer/images/12/amd64/text/debian-installer/amd64';

let sshd: TestSshd;
let dir: string;
let target: string;
let tftp: string;

function writeInventory(mediaIsos: unknown[]): void {
  const host = {
    ansible_host: '127.0.0.1',
    ansible_port: sshd.port,
    ansible_user: 'root',
    ansible_ssh_private_key_file: sshd.keys.ed25519,
    pxeprov_known_hosts: sshd.knownHosts,
    pxeprov_state_dir: join(dir, 'state'),
    pxe_tftp_root: tftp,
    pxe_install_root: join(target, 'install'),
    media_isos: mediaIsos,
  };
  writeFileSync(join(dir, 'inventory.yaml'), stringify({all: {children: {pxe: {hosts: {pxe1: host}}}}}));
}

const entries = () => [
  {name: 'pair', kernel: 'netboot/linux', initrd: 'netboot/initrd.gz'},
  {name: 'onserver', kernel: join(target, 'src/linux'), initrd: join(target, 'src/initrd.gz'), remote: true},
  {name: 'debian12', netboot_package: 'debian-installer-12-netboot-amd64'},
  {
    name: 'tarball',
    netboot_tarball: 'netboot.tar.gz',
    kernel: 'debian-installer/amd64/linux',
    initrd: 'debian-installer/amd64/initrd.gz',
  },
];

async function run(check = false): Promise<RunReport> {
  return converge({
    inventory: join(dir, 'inventory.yaml'),
    playbook: join(dir, 'site.yaml'),
    tags: [],
    skipTags: [],
    extraVars: [],
    forks: 1,
    check,
    emit: () => {},
  });
}

const netbootTasks = (report: RunReport) =>
  report.hosts[0]!.tasks.filter((t) => t.task.startsWith('Kernels and initrds of netboot installers'));

function snapshot(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (path: string) => {
    const s = lstatSync(path, {bigint: true});
    out[path] = `${s.mode}:${s.size}:${s.mtimeNs}:${s.ino}`;
    if (s.isDirectory()) for (const name of readdirSync(path)) walk(join(path, name));
  };
  walk(root);
  return out;
}

before(async () => {
  sshd = await startSshd();
  dir = mkdtempSync(join(tmpdir(), 'pxeprov-netboot-'));
  target = join(dir, 'target');
  tftp = join(target, 'tftp');
  process.env.PXEPROV_SSH_CONFIG = join(sshd.dir, 'ssh_config');
  process.env.PXEPROV_CACHE = join(dir, 'cache');
  mkdirSync(join(dir, 'files/netboot'), {recursive: true});
  mkdirSync(join(dir, 'unpacked/debian-installer/amd64'), {recursive: true});
  writeFileSync(join(dir, 'unpacked/debian-installer/amd64/linux'), 'tarball kernel\n');
  writeFileSync(join(dir, 'unpacked/debian-installer/amd64/initrd.gz'), 'tarball initrd\n');
  writeFileSync(join(dir, 'unpacked/version.info'), 'Debian version: 12\n');
  execFileSync('tar', ['-czf', join(dir, 'files/netboot.tar.gz'), '-C', join(dir, 'unpacked'), '.']);
  mkdirSync(join(target, 'src'), {recursive: true});
  mkdirSync(tftp, {recursive: true});
  writeFileSync(join(dir, 'files/netboot/linux'), 'control kernel v1\n');
  writeFileSync(join(dir, 'files/netboot/initrd.gz'), 'control initrd v1\n');
  writeFileSync(join(target, 'src/linux'), 'server kernel\n');
  writeFileSync(join(target, 'src/initrd.gz'), 'server initrd\n');
  // The role's ISO task notifies the nfs role's handler; this play stands in for it.
  writeFileSync(
    join(dir, 'site.yaml'),
    stringify([
      {
        name: 'Media',
        hosts: 'pxe',
        roles: ['media'],
        handlers: [{name: 're-export install trees', debug: {msg: 'not needed here'}}],
      },
    ]),
  );
  writeInventory(entries());
});

after(async () => {
  await sshd?.stop();
  rmSync(dir, {recursive: true, force: true});
});

describe('media role: netboot installers (kernel/initrd pairs) over a real sshd', {concurrency: false}, () => {
  it('serves each pair as <tftp_root>/<name>/vmlinuz and initrd.img; a second run touches nothing', async () => {
    const first = await run();
    assert.equal(exitCodeOf(first), 0, JSON.stringify(first.hosts[0]!.tasks.filter((t) => t.status === 'failed')));
    assert.deepEqual(
      netbootTasks(first).map((t) => t.status),
      ['changed', 'changed', 'changed', 'changed'],
    );
    const served = (name: string, file: string) => readFileSync(join(tftp, name, file));
    assert.equal(served('pair', 'vmlinuz').toString(), 'control kernel v1\n');
    assert.equal(served('pair', 'initrd.img').toString(), 'control initrd v1\n');
    assert.equal(served('onserver', 'initrd.img').toString(), 'server initrd\n');
    assert.equal(served('tarball', 'vmlinuz').toString(), 'tarball kernel\n');
    assert.equal(served('tarball', 'initrd.img').toString(), 'tarball initrd\n');
    assert.deepEqual(
      served('debian12', 'vmlinuz'),
      readFileSync(join(DI, 'linux')),
      "the package's text installer kernel",
    );
    assert.deepEqual(served('debian12', 'initrd.img'), readFileSync(join(DI, 'initrd.gz')));
    assert.match(
      readlinkSync(join(tftp, 'pair')),
      /^\.pxeprov-boot\/pair-[0-9a-f]{12}$/,
      'a symlink swapped in one step',
    );
    assert.equal(lstatSync(join(tftp, 'debian12/initrd.img')).mode & 0o777, 0o644);

    const before = snapshot(target);
    const second = await run();
    assert.equal(exitCodeOf(second), 0);
    assert.deepEqual(
      netbootTasks(second).map((t) => t.status),
      ['ok', 'ok', 'ok', 'ok'],
    );
    assert.deepEqual(snapshot(target), before, 'no path changed: not content, mode, mtime or inode');
  });

  it('a new initrd is drift for check (which writes nothing); up swaps it in and keeps only the previous pair', async () => {
    const generations = () =>
      readdirSync(join(tftp, '.pxeprov-boot'))
        .filter((n) => n.startsWith('pair-'))
        .sort();
    const first = readlinkSync(join(tftp, 'pair'));
    writeFileSync(join(dir, 'files/netboot/initrd.gz'), 'control initrd v2\n');
    const before = snapshot(target);
    const check = await run(true);
    assert.equal(exitCodeOf(check), 2);
    const drift = netbootTasks(check).find((t) => t.status === 'changed')!;
    assert.match(String(drift.item), /pair/);
    assert.match(drift.diff!, /^[-+]initrd\.img: /m);
    assert.doesNotMatch(drift.diff!, /^[-+]vmlinuz: /m, 'the kernel did not change');
    assert.deepEqual(snapshot(target), before, 'check changed nothing');

    const up = await run();
    assert.equal(exitCodeOf(up), 0);
    assert.equal(readFileSync(join(tftp, 'pair/initrd.img'), 'utf8'), 'control initrd v2\n');
    const second = readlinkSync(join(tftp, 'pair'));
    assert.deepEqual(
      generations(),
      [first, second].map((l) => l.split('/')[1]!).sort(),
      'the previous pair stays for clients still loading it',
    );

    writeFileSync(join(dir, 'files/netboot/initrd.gz'), 'control initrd v3\n');
    assert.equal(exitCodeOf(await run()), 0);
    assert.deepEqual(
      generations(),
      [second, readlinkSync(join(tftp, 'pair'))].map((l) => l.split('/')[1]!).sort(),
      'older pairs are removed',
    );
  });

  it('a tarball without the named kernel fails before any change, saying what it holds', async () => {
    writeInventory([
      {
        name: 'tarball',
        netboot_tarball: 'netboot.tar.gz',
        kernel: 'debian-installer/i386/linux',
        initrd: 'debian-installer/amd64/initrd.gz',
      },
    ]);
    try {
      const before = snapshot(target);
      const report = await run();
      assert.equal(exitCodeOf(report), 1);
      const failed = report.hosts[0]!.tasks.find((t) => t.status === 'failed')!;
      assert.match(
        failed.summary,
        /media tarball: netboot\.tar\.gz has no debian-installer\/i386\/linux or debian-installer\/amd64\/initrd\.gz/,
      );
      assert.match(failed.error!.hint!, /bsdtar -tf netboot\.tar\.gz/);
      assert.deepEqual(snapshot(target), before);
    } finally {
      writeInventory(entries());
    }
  });

  it('a missing file fails its task, naming the media and the path; the served pair stays', async () => {
    writeInventory([
      ...entries().slice(0, 1),
      {name: 'onserver', kernel: join(target, 'src/linux'), initrd: join(target, 'src/missing.gz'), remote: true},
    ]);
    try {
      const before = readlinkSync(join(tftp, 'onserver'));
      const report = await run();
      assert.equal(exitCodeOf(report), 1);
      const failed = report.hosts[0]!.tasks.find((t) => t.status === 'failed')!;
      assert.match(failed.summary, /media onserver: .*src\/missing\.gz does not exist on the target/);
      assert.equal(readlinkSync(join(tftp, 'onserver')), before);
      assert.ok(existsSync(join(tftp, 'onserver/initrd.img')));
    } finally {
      writeInventory(entries());
    }
  });
});
