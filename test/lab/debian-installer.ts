/**
 * The real Debian installer from a pxeprov server in the lab, shared by its lab test and the boot transport
 * bench: the variables that make the lab host serve Debian's debian-installer-12-netboot-amd64 package with a
 * preseed profile, `up` with them, and a boot that runs until d-i has read its preseed (the preseed's early
 * command prints a marker on the serial console). The mirror is a path of the lab host that does not exist,
 * so nothing could leave the lab.
 */
import {execFile} from 'node:child_process';
import {readFile, writeFile} from 'node:fs/promises';
import {join} from 'node:path';
import {promisify} from 'node:util';
import {stringify} from 'yaml';
import {bootClient, LAN, runInLabHost, type BootResult} from '../../src/lab/index.js';

export const MARKER = 'PXEPROV-PRESEED-LOADED';
const execFileAsync = promisify(execFile);

export const installerVars = {
  network_backend: 'ifupdown',
  media_isos: [{name: 'debian12', netboot_package: 'debian-installer-12-netboot-amd64'}],
  pxe_profiles: [
    {
      name: 'bookworm',
      label: 'Install Debian 12 (preseed)',
      media: 'debian12',
      kind: 'preseed',
      append: 'console=ttyS0',
    },
  ],
  pxe_menu_default: 'bookworm',
  pxe_menu_timeout: 10,
  preseed_mirror_host: LAN.serverIp,
  preseed_mirror_dir: '/debian-mirror',
  preseed_early_command: `echo ${MARKER} >/dev/console`,
};

/** `pxeprov up` of the lab host (its inventory written by `lab up`) with the installer's variables and more. */
export async function upInstallerServer(
  inventory: string,
  dir: string,
  vars: Record<string, unknown> = {},
): Promise<void> {
  const extra = join(dir, 'installer-vars.yaml');
  await writeFile(extra, stringify({...installerVars, ...vars}));
  await execFileAsync('node', ['bin/run.js', 'up', inventory, '-e', `@${extra}`], {
    env: {...process.env, CI: 'true'},
    maxBuffer: 64 << 20,
  }).catch((e: {stdout: string; stderr: string}) => {
    throw new Error(`pxeprov up failed:\n${e.stdout}\n${e.stderr}`);
  });
}

export interface HttpRequest {
  client: string;
  request: string;
  status: number;
}

/** nginx's access log on the lab host: client, "METHOD path" and status per request. */
export async function accessLog(prefix: string): Promise<HttpRequest[]> {
  const {stdout} = await runInLabHost('cat /var/log/nginx/access.log', {prefix});
  return stdout
    .split('\n')
    .map((line) => /^(\S+) \S+ \S+ \[[^\]]*\] "(\S+ \S+)[^"]*" (\d{3})/.exec(line))
    .filter((m) => m !== null)
    .map((m) => ({client: m[1]!, request: m[2]!, status: Number(m[3])}));
}

export interface InstallerBoot {
  result: BootResult;
  /** The serial console, one "[seconds] line" per line. */
  console: string;
  requests: HttpRequest[];
}

/**
 * Boots a client until d-i has run the preseed's early command (its marker on the serial console), or `until`
 * (a console line that ends the boot earlier), or the timeout. Under TCG most of the time goes to d-i's
 * hardware and IPv6 probes (and, over TFTP, to the initrd).
 */
export async function bootUntilPreseedRan(
  prefix: string,
  uefi: boolean,
  until = new RegExp(MARKER),
): Promise<InstallerBoot> {
  await runInLabHost('truncate -s 0 /var/log/nginx/access.log', {prefix});
  const stop = new AbortController();
  const result = await bootClient({
    prefix,
    uefi,
    memoryMb: 1024,
    timeoutSeconds: 420,
    signal: stop.signal,
    log: (line) => {
      if (until.test(line)) stop.abort();
    },
  });
  return {result, console: await readFile(result.consoleLog, 'utf8'), requests: await accessLog(prefix)};
}
