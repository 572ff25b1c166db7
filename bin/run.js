#!/usr/bin/env node
// bin/pxeprov hands NODE_EXTRA_CA_CERTS over under another name (see there): child processes get it back.
if (process.env.PXEPROV_EXTRA_CA_CERTS !== undefined) {
  process.env.NODE_EXTRA_CA_CERTS = process.env.PXEPROV_EXTRA_CA_CERTS;
  delete process.env.PXEPROV_EXTRA_CA_CERTS;
}
// package.json's engines field already says Node >= 20: skip oclif's check (it loads semver on every start).
process.env.OCLIF_DISABLE_ENGINE_WARNING ??= '1';
// `up` and `check` start from one bundled file (dist/cli/bundle-load.js); the other commands through oclif.
const {runFromBundle} = await import('../dist/cli/bundle-load.js');
if (!(await runFromBundle(process.argv.slice(2)))) {
  const {execute} = await import('@oclif/core');
  await execute({dir: import.meta.url});
}
