/**
 * The PXE server shows its install files to the PXE LAN only, keeps its install trees as written, and hands
 * UEFI kickstart clients their boot NIC (root, lab): nginx refuses the management side (not listening there;
 * 403 for a packet routed to the PXE address through it) and serves the LAN; a file deleted, overwritten or
 * planted in an install tree is drift that `up` repairs; GRUB passes BOOTIF to the kernel. Prefix pxp5.
 */
import assert from 'node:assert/strict';
import {execFile} from 'node:child_process';
import {mkdtemp, readFile, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {after, before, describe, it} from 'node:test';
import {promisify} from 'node:util';
import {stringify} from 'yaml';
import type {RunReport} from '../../src/engine/events.js';
import {bootClient, labDown, labNames, labUp, LAN, makeIso, runInLabHost} from '../../src/lab/index.js';
import {run} from '../../src/lab/exec.js';

const PREFIX = 'pxp5';
const execFileAsync = promisify(execFile);
const n = labNames(PREFIX);
let dir: string;
let inventory: string;

async function pxeprov(args: string[]): Promise<{code: number; report: RunReport; stderr: string}> {
  const vars = join(dir, 'vars.yaml');
  await writeFile(
    vars,
    stringify({
      media_isos: [{name: 'testos', iso: join(dir, 'testos.iso')}],
      // console=ttyS0: the kernel's command line reaches the serial console the lab reads.
      pxe_profiles: [
        {name: 'ks', label: 'Install TestOS (kickstart)', media: 'testos', kind: 'kickstart', append: 'console=ttyS0'},
      ],
      pxe_menu_default: 'ks',
      pxe_menu_timeout: 10,
      ks_root_password: 'lab-Root-Passw0rd',
      network_backend: 'ifupdown',
    }),
  );
  try {
    const {stdout, stderr} = await execFileAsync(
      'node',
      ['bin/run.js', ...args, inventory, '-e', `@${vars}`, '--json'],
      {env: {...process.env, CI: 'true'}, maxBuffer: 64 << 20},
    );
    return {code: 0, report: JSON.parse(stdout) as RunReport, stderr};
  } catch (error) {
    const e = error as {code: number; stdout: string; stderr: string};
    return {code: e.code, report: JSON.parse(e.stdout) as RunReport, stderr: e.stderr};
  }
}

const changedTasks = (report: RunReport) =>
  report.hosts.flatMap((h) => h.tasks.filter((t) => t.status === 'changed').map((t) => t.task));

/** curl's HTTP status for url, or its exit code when no HTTP answer came (7: connection refused). */
async function httpStatus(url: string, netns?: string): Promise<string> {
  const argv = ['curl', '-s', '-o', '/dev/null', '-w', '%{http_code}', '--max-time', '10', url];
  const r = await run(netns ? ['ip', 'netns', 'exec', netns, ...argv] : argv, {allowFail: true});
  return r.code === 0 ? r.stdout : `curl exit ${r.code}`;
}

describe('lab: what the PXE server serves, and to whom', {timeout: 20 * 60_000}, () => {
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pxeprov-exposure-'));
    inventory = join(dir, 'lab.yaml');
    await labDown({prefix: PREFIX});
    await labUp({prefix: PREFIX, inventory});
    await makeIso(1, join(dir, 'testos.iso'));
    const up = await pxeprov(['up']);
    assert.equal(
      up.code,
      0,
      up.stderr + JSON.stringify(up.report.hosts.map((h) => h.error ?? h.tasks.filter((t) => t.status === 'failed'))),
    );
  });

  after(async () => {
    await run(['ip', 'route', 'del', `${LAN.serverIp}/32`, 'via', n.mgmtHostIp, 'dev', n.mgmtRoot], {allowFail: true});
    await labDown({prefix: PREFIX});
    await rm(dir, {recursive: true, force: true});
  });

  it('the kickstarts and the TFTP root are served on the PXE LAN and refused on the management side', async () => {
    await run(['ip', 'netns', 'exec', n.lanNetns, 'ip', 'addr', 'replace', `${LAN.probeIp}/24`, 'dev', n.bridge]);
    try {
      for (const path of ['/ks/ks.cfg', '/tftp/pxelinux.0']) {
        assert.equal(await httpStatus(`http://${LAN.serverIp}${path}`, n.lanNetns), '200', `LAN ${path}`);
        assert.equal(
          await httpStatus(`http://${n.mgmtHostIp}${path}`),
          'curl exit 7',
          `management address ${path}: nothing listens`,
        );
      }
      // A machine on the management LAN that routes the PXE address through the server still gets nothing.
      await run(['ip', 'route', 'add', `${LAN.serverIp}/32`, 'via', n.mgmtHostIp, 'dev', n.mgmtRoot]);
      try {
        assert.equal(await httpStatus(`http://${LAN.serverIp}/ks/ks.cfg`), '403');
      } finally {
        await run(['ip', 'route', 'del', `${LAN.serverIp}/32`, 'via', n.mgmtHostIp, 'dev', n.mgmtRoot]);
      }
    } finally {
      await run(['ip', 'netns', 'exec', n.lanNetns, 'ip', 'addr', 'del', `${LAN.probeIp}/24`, 'dev', n.bridge], {
        allowFail: true,
      });
    }
  });

  it('a file deleted, overwritten or planted in the install tree is drift, and up repairs only the tree', async () => {
    await runInLabHost(
      'rm /srv/install/testos/Packages/pxeprov-test-tools-1-1.noarch.rpm && echo evil > /srv/install/testos/images/pxeboot/vmlinuz && ln -s /etc/shadow /srv/install/testos/shadow',
      {prefix: PREFIX},
    );
    const check = await pxeprov(['check']);
    assert.equal(check.code, 2);
    const media = check.report.hosts[0]!.tasks.find((t) => t.status === 'changed')!;
    assert.equal(media.task, 'Install trees and boot files from the ISOs');
    assert.match(media.summary, /^repair \/srv\/install\/testos: 1 missing, 1 changed, 1 extra/);
    assert.match(media.diff!, /^\+Packages\/pxeprov-test-tools-1-1\.noarch\.rpm: /m);
    assert.match(media.diff!, /^-images\/pxeboot\/vmlinuz: 5 bytes/m);
    assert.match(media.diff!, /^-shadow -> \/etc\/shadow$/m);

    const up = await pxeprov(['up']);
    assert.equal(up.code, 0);
    assert.deepEqual(
      changedTasks(up.report).filter((t) => t !== 're-export install trees'),
      ['Install trees and boot files from the ISOs'],
    );
    const tree = await runInLabHost(
      'cd /srv/install/testos/ && ls Packages && [ ! -e shadow ] && cmp images/pxeboot/vmlinuz /var/lib/tftpboot/testos/vmlinuz && echo same',
      {prefix: PREFIX},
    );
    assert.match(tree.stdout, /pxeprov-test-tools-1-1\.noarch\.rpm\n[\s\S]*same\n$/);
    assert.equal((await pxeprov(['check'])).code, 0);
  });

  it('a UEFI client gets BOOTIF with its MAC on the kernel command line from GRUB', async () => {
    const boot = await bootClient({prefix: PREFIX, uefi: true, timeoutSeconds: 150});
    assert.ok(boot.ok, boot.verdict);
    const console = await readFile(boot.consoleLog, 'utf8');
    assert.match(
      console,
      new RegExp(`Kernel command line: .*inst\\.ks=\\S+ .* BOOTIF=01-${boot.mac.toLowerCase()}(\\s|$)`, 'm'),
    );
  });
});
