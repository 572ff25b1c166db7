/**
 * `pxeprov power` against the suite's real sshd on 127.0.0.1 as the PXE server: ipmitool runs there through
 * the agent, and while it runs no process on the machine has the BMC password in its argv (/proc/PID/cmdline).
 * The BMC is an address where nothing answers (127.0.0.2): the host fails alone, exit 1, naming it. Bad
 * input (an unknown machine, one without a BMC, an incomplete BMC) is exit 3 before anything is sent.
 */
import assert from 'node:assert/strict';
import {randomBytes} from 'node:crypto';
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {after, before, describe, it} from 'node:test';
import {stringify} from 'yaml';
import type {PowerReport} from '../../src/power/power.js';
import {watchArgv} from '../helpers/argv.js';
import {pxeprovAsync} from '../helpers/cli.js';
import {startSshd, type TestSshd} from '../helpers/sshd.js';

let sshd: TestSshd;
let dir: string;
let inventory: string;
const password = `Bmc-${randomBytes(6).toString('hex')}`;
const HOSTS = [
  {name: 'node01', mac: '52:54:00:00:00:01', ipmi_address: '127.0.0.2', ipmi_user: 'admin', ipmi_password: password},
  {name: 'node02', mac: '52:54:00:00:00:02'},
];

before(async () => {
  sshd = await startSshd();
  dir = mkdtempSync(join(tmpdir(), 'pxeprov-power-'));
  process.env.PXEPROV_SSH_CONFIG = join(sshd.dir, 'ssh_config');
  const server = {
    ansible_host: '127.0.0.1',
    ansible_port: sshd.port,
    ansible_user: 'root',
    ansible_ssh_private_key_file: sshd.keys.ed25519,
    pxeprov_known_hosts: sshd.knownHosts,
  };
  inventory = join(dir, 'inventory.yaml');
  writeFileSync(
    inventory,
    stringify({all: {children: {pxe_servers: {hosts: {pxe1: server}, vars: {dhcp_hosts: HOSTS}}}}}),
  );
});

after(async () => {
  await sshd?.stop();
  rmSync(dir, {recursive: true, force: true});
});

describe('power through the PXE server', {concurrency: false}, () => {
  it('a BMC that does not answer: exit 1 naming the host; the password is in no argv and no output', async () => {
    const running = pxeprovAsync(['power', 'status', 'node01', inventory, '--json']);
    const argvs = await watchArgv(running);
    const r = await running;
    assert.equal(r.code, 1, r.stderr);
    const report = r.json as PowerReport;
    assert.equal(report.ok, false);
    assert.deepEqual(
      report.hosts.map((h) => [h.host, h.server, h.bmc, h.error?.code]),
      [['node01', 'pxe1', '127.0.0.2', 'E_BMC_UNREACHABLE']],
    );
    assert.match(report.hosts[0]!.error!.message, /127\.0\.0\.2 does not answer/);
    const ipmitool = argvs.filter((a) => a.includes('ipmitool') && a.includes('-H 127.0.0.2'));
    assert.ok(ipmitool.length > 0, 'ipmitool was seen running, so the argv check below checked it');
    assert.ok(
      ipmitool.some((a) => a.includes('-U admin -E chassis power status')),
      ipmitool.join('\n'),
    );
    assert.deepEqual(
      argvs.filter((a) => a.includes(password)),
      [],
      'no argv holds the BMC password',
    );
    assert.ok(!r.stdout.includes(password) && !r.stderr.includes(password));
  });

  it('the text form names the host, its BMC and the PXE server, with a hint', async () => {
    const r = await pxeprovAsync(['power', 'cycle', 'node01', '-i', inventory]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(
      r.stdout,
      /^node01 {2}FAILED E_BMC_UNREACHABLE: the BMC at 127\.0\.0\.2 does not answer .*\(BMC 127\.0\.0\.2 via pxe1\)\n\s+hint: check ipmi_address/,
    );
  });

  // An incomplete BMC makes the whole inventory invalid (validate checks it), whichever machine is named.
  const incomplete = JSON.stringify({
    dhcp_hosts: [...HOSTS, {name: 'node03', mac: '52:54:00:00:00:03', ipmi_address: '127.0.0.3'}],
  });
  const inputErrors: [string, string[], string[], string, RegExp][] = [
    ['an unknown machine', ['nodeX'], [], 'E_HOST', /no dhcp_hosts entry named 'nodeX'/],
    ['a machine without a BMC', ['node02'], [], 'E_HOST', /node02 has no BMC/],
    [
      'a BMC without user and password',
      ['node01'],
      ['-e', incomplete],
      'E_VARS',
      /dhcp_hosts entry node03: ipmi_address without ipmi_user/,
    ],
    [
      'one bad machine among good ones stops all before anything is sent',
      ['node01', 'node02'],
      [],
      'E_HOST',
      /node02 has no BMC/,
    ],
  ];
  for (const [what, hosts, extra, code, message] of inputErrors) {
    it(`${what}: exit 3, nothing sent`, async () => {
      const r = await pxeprovAsync(['power', 'on', ...hosts, inventory, ...extra, '--json']);
      assert.equal(r.code, 3, r.stdout + r.stderr);
      const errors = (r.json as {errors: {code: string; message: string}[]}).errors;
      assert.ok(
        errors.some((e) => e.code === code && message.test(e.message)),
        JSON.stringify(errors),
      );
    });
  }
});
