import {existsSync} from 'node:fs';
import {mkdir, readdir, rename, rm} from 'node:fs/promises';
import {join} from 'node:path';
import {CACHE_DIR} from './names.js';
import {run} from './exec.js';
import {PxeError} from '../errors.js';
import {CACHE_LOCK, withLock} from './lock.js';

export interface Kernel {
  /** e.g. 6.1.0-56-amd64 */
  release: string;
  vmlinuz: string;
  /** lib/modules/<release> of the extracted package. */
  modulesDir: string;
}

const KERNEL_DIR = join(CACHE_DIR, 'kernel');

/**
 * Debian's amd64 kernel (the host has none in /boot): `apt-get download` of the package that
 * linux-image-amd64 depends on, extracted once under /var/cache/pxeprov-lab/kernel.
 */
export function ensureKernel(log: (line: string) => void = () => {}): Promise<Kernel> {
  return withLock(CACHE_LOCK, `check or fetch the kernel in ${KERNEL_DIR}`, () => fetchKernel(log));
}

async function fetchKernel(log: (line: string) => void): Promise<Kernel> {
  await mkdir(KERNEL_DIR, {recursive: true});
  const cached = (await readdir(KERNEL_DIR)).find((f) => /^linux-image-.*\.deb$/.test(f));
  const deb = cached ?? (await downloadKernel(log));
  const release = /^linux-image-([^_]+)_/.exec(deb)![1]!;
  const tree = join(KERNEL_DIR, release);
  if (!existsSync(join(tree, 'boot', `vmlinuz-${release}`))) {
    const tmp = `${tree}.tmp`;
    await rm(tmp, {recursive: true, force: true});
    await run(['dpkg-deb', '-x', join(KERNEL_DIR, deb), tmp]);
    await rm(tree, {recursive: true, force: true});
    await rename(tmp, tree);
  }
  return {release, vmlinuz: join(tree, 'boot', `vmlinuz-${release}`), modulesDir: join(tree, 'lib/modules', release)};
}

async function downloadKernel(log: (line: string) => void): Promise<string> {
  const {stdout} = await run(['apt-cache', 'depends', 'linux-image-amd64'], {allowFail: true});
  const pkg = /Depends:\s+(linux-image-\S+-amd64)/.exec(stdout)?.[1];
  if (!pkg) {
    throw new PxeError('E_LAB', 'apt does not know linux-image-amd64', {hint: 'run apt-get update once'});
  }
  log(`apt-get download ${pkg} (once)`);
  // _apt cannot write into our cache dir; as root, apt downloads unsandboxed (it says so on stderr).
  await run(['apt-get', 'download', '-q', pkg], {cwd: KERNEL_DIR});
  const deb = (await readdir(KERNEL_DIR)).find((f) => f.startsWith(`${pkg}_`) && f.endsWith('.deb'));
  if (!deb) throw new PxeError('E_LAB', `apt-get download ${pkg} left no .deb in ${KERNEL_DIR}`);
  return deb;
}
