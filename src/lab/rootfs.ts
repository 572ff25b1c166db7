import {existsSync} from 'node:fs';
import {mkdir, readFile, rm, rename, writeFile} from 'node:fs/promises';
import {join} from 'node:path';
import {CACHE_DIR, SUITE} from './names.js';
import {run} from './exec.js';
import {machineMirror} from './mirror.js';
import {CACHE_LOCK, withLock} from './lock.js';

/**
 * Packages of the lab host beyond minbase: systemd as init and sshd so pxeprov (and Ansible: python3)
 * can manage it like any server; procps/iproute2/ping for debugging from `lab ssh`.
 */
export const BASE_PACKAGES = [
  'systemd',
  'systemd-sysv',
  'dbus',
  'openssh-server',
  'iproute2',
  'sudo',
  'python3',
  'procps',
  'iputils-ping',
  'ca-certificates',
  'netbase',
  'less',
];

export const BASE_DIR = join(CACHE_DIR, `base-${SUITE}`);
export const BASE_STAMP = '.pxeprov-base';

/** What the cached base was built from; a different list rebuilds it. */
function stampText(mirror: string): string {
  return JSON.stringify({suite: SUITE, mirror, packages: BASE_PACKAGES});
}

/**
 * Builds the debootstrap base once (about 85 s) into a temp dir, then renames it into place, so a
 * killed build never leaves a half base that looks cached. Under the cache lock: a second `lab up` waits
 * for the first one's build instead of deleting its temp dir.
 */
export async function ensureBase(log: (line: string) => void): Promise<string> {
  const mirror = await machineMirror(SUITE);
  return withLock(CACHE_LOCK, `check or build ${BASE_DIR}`, () => buildBase(mirror, log));
}

async function buildBase(mirror: string, log: (line: string) => void): Promise<string> {
  const stamp = join(BASE_DIR, BASE_STAMP);
  if (existsSync(stamp) && (await readFile(stamp, 'utf8')) === stampText(mirror)) return BASE_DIR;
  await mkdir(CACHE_DIR, {recursive: true});
  const tmp = `${BASE_DIR}.tmp`;
  await rm(tmp, {recursive: true, force: true});
  log(`debootstrap ${SUITE} minbase into ${BASE_DIR} (once, about 90 s)`);
  await run(['debootstrap', '--variant=minbase', `--include=${BASE_PACKAGES.join(',')}`, SUITE, tmp, mirror]);
  await prepareBase(tmp);
  await writeFile(join(tmp, BASE_STAMP), stampText(mirror));
  await rm(BASE_DIR, {recursive: true, force: true});
  await rename(tmp, BASE_DIR);
  return BASE_DIR;
}

/** One-time tweaks of the base that every lab host wants. */
async function prepareBase(root: string): Promise<void> {
  // Empty machine-id: systemd makes a fresh one at each boot of each lab host.
  await writeFile(join(root, 'etc/machine-id'), '');
  // Host keys are made per lab host (see host.ts), never shared through the cache.
  await run(['sh', '-c', 'rm -f "$1"/etc/ssh/ssh_host_*', 'sh', root]);
  // apt in a fresh container: no recommends, keep the image small, as on a minimal server.
  await writeFile(join(root, 'etc/apt/apt.conf.d/90pxeprov-lab'), 'APT::Install-Recommends "false";\n');
  // Services nobody needs in a lab container and that slow its boot.
  for (const unit of [
    'systemd-timesyncd.service',
    'apt-daily.timer',
    'apt-daily-upgrade.timer',
    'e2scrub_all.timer',
    'fstrim.timer',
  ]) {
    await rm(join(root, 'etc/systemd/system/timers.target.wants', unit), {force: true});
    await rm(join(root, 'etc/systemd/system/sysinit.target.wants', unit), {force: true});
  }
}
