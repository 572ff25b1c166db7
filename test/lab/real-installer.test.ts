/**
 * The real Debian installer, unattended, from a pxeprov server in the lab (root, QEMU TCG): the lab host
 * becomes a PXE server whose media is Debian's debian-installer-12-netboot-amd64 package (installed on it
 * by the roles) and whose default profile is a preseed. Its LAN is the default one: no router and no name
 * server in DHCP. A BIOS and a UEFI client boot d-i, which must configure the network and fetch the
 * preseed without asking anything: nginx's access log shows the preseed requested by the client, and the
 * preseed's early command prints a marker on the serial console, where the client is stopped. The mirror is
 * a path of the lab host that does not exist, so nothing could leave the lab.
 */
import assert from 'node:assert/strict';
import {execFile} from 'node:child_process';
import {mkdtemp, readFile, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {after, before, describe, it} from 'node:test';
import {promisify} from 'node:util';
import {stringify} from 'yaml';
import {bootClient, labDown, LAN, labUp, runInLabHost} from '../../src/lab/index.js';

const PREFIX = 'pxi5';
const MARKER = 'PXEPROV-PRESEED-LOADED';
const MIRROR_DIR = '/debian-mirror';
const execFileAsync = promisify(execFile);

let dir: string;
let inventory: string;

const vars = {
  network_backend: 'ifupdown',
  media_isos: [{name: 'debian12', netboot_package: 'debian-installer-12-netboot-amd64'}],
  pxe_profiles: [{name: 'bookworm', label: 'Install Debian 12 (preseed)', media: 'debian12', kind: 'preseed', append: 'console=ttyS0'}],
  pxe_menu_default: 'bookworm',
  pxe_menu_timeout: 10,
  preseed_mirror_host: LAN.serverIp,
  preseed_mirror_dir: MIRROR_DIR,
  preseed_early_command: `echo ${MARKER} >/dev/console`,
};

/** nginx's access log on the lab host: [client, method path, status] per request. */
async function accessLog(): Promise<Array<{client: string; request: string; status: number}>> {
  const {stdout} = await runInLabHost('cat /var/log/nginx/access.log', {prefix: PREFIX});
  return stdout
    .split('\n')
    .map((line) => /^(\S+) \S+ \S+ \[[^\]]*\] "(\S+ \S+)[^"]*" (\d{3})/.exec(line))
    .filter((m) => m !== null)
    .map((m) => ({client: m[1]!, request: m[2]!, status: Number(m[3])}));
}

/**
 * Boots a client until d-i has run the preseed's early command (its marker on the serial console), or the
 * timeout. Under TCG most of the time goes to the 40 MB initrd over TFTP and d-i's hardware and IPv6 probes.
 */
async function bootUntilPreseedRan(uefi: boolean) {
  await runInLabHost('truncate -s 0 /var/log/nginx/access.log', {prefix: PREFIX});
  const stop = new AbortController();
  const result = await bootClient({
    prefix: PREFIX,
    uefi,
    memoryMb: 1024,
    timeoutSeconds: 420,
    signal: stop.signal,
    log: (line) => {
      if (line.includes(MARKER)) stop.abort();
    },
  });
  const console = await readFile(result.consoleLog, 'utf8');
  return {result, console, requests: await accessLog()};
}

describe('lab: the real Debian installer runs unattended from a pxeprov server', {timeout: 30 * 60_000}, () => {
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pxeprov-real-installer-'));
    inventory = join(dir, 'lab.yaml');
    await labDown({prefix: PREFIX});
    await labUp({prefix: PREFIX, inventory});
    const extra = join(dir, 'vars.yaml');
    await writeFile(extra, stringify(vars));
    await execFileAsync('node', ['bin/run.js', 'up', inventory, '-e', `@${extra}`], {env: {...process.env, CI: 'true'}, maxBuffer: 64 << 20}).catch((e: {stdout: string; stderr: string}) => {
      throw new Error(`pxeprov up failed:\n${e.stdout}\n${e.stderr}`);
    });
  });

  after(async () => {
    await labDown({prefix: PREFIX});
    await rm(dir, {recursive: true, force: true});
  });

  it("the server serves the package's kernel and initrd; its LAN has no router and no name server", async () => {
    const {stdout} = await runInLabHost(
      'cd /usr/lib/debian-installer/images/12/amd64/text/debian-installer/amd64 && sha256sum linux initrd.gz /var/lib/tftpboot/debian12/vmlinuz /var/lib/tftpboot/debian12/initrd.img; grep -c "option routers\\|domain-name-servers" /etc/dhcp/dhcpd.conf || true',
      {prefix: PREFIX},
    );
    const [kernel, initrd, servedKernel, servedInitrd, dhcpOptions] = stdout.trim().split('\n');
    assert.equal(servedKernel!.split(' ')[0], kernel!.split(' ')[0]);
    assert.equal(servedInitrd!.split(' ')[0], initrd!.split(' ')[0]);
    assert.equal(dhcpOptions, '0', 'the default LAN: DHCP hands out no router and no name server');
  });

  for (const uefi of [false, true]) {
    it(`${uefi ? 'a UEFI' : 'a BIOS'} client: d-i configures the network and loads the preseed without a question`, async () => {
      const {result, console, requests} = await bootUntilPreseedRan(uefi);
      const trace = `${result.verdict} after ${result.seconds.toFixed(0)} s\nrequests: ${JSON.stringify(requests)}\nconsole: ${result.consoleLog}`;
      assert.match(console, /Linux version \d/, `d-i's own kernel booted with console=ttyS0\n${trace}`);
      const preseed = requests.find((r) => r.request === 'GET /preseed/bookworm.cfg' && r.status === 200);
      assert.ok(preseed, `d-i fetched its preseed from the server\n${trace}`);
      assert.ok(preseed.client.startsWith('192.168.77.'), preseed.client);
      assert.ok(console.includes(MARKER), `d-i ran the preseed's early command (serial console)\n${trace}`);
      // At priority=critical every question d-i shows is titled [!!]; without the kernel line's answers it
      // stopped at "[!!] Configure the network ... Continue without a default route?" and never fetched the preseed.
      assert.doesNotMatch(console, /\[!!\]|Continue without a default route|Name server addresses/, `d-i asked nothing\n${trace}`);
    });
  }
});
