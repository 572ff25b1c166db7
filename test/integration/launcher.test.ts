import {after, before, describe, it} from 'node:test';
import assert from 'node:assert/strict';
import {spawnSync} from 'node:child_process';
import {mkdtempSync, rmSync, symlinkSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join, resolve} from 'node:path';
import {pathToFileURL} from 'node:url';

// bin/pxeprov, the command npm links: NODE_EXTRA_CA_CERTS must not be loaded by Node at start-up, and must
// reach child processes unchanged. A bundle that does not exist makes Node print a warning when it loads it.
describe('the pxeprov launcher', () => {
  let dir: string;
  let linked: string;
  let envAtExit: string;
  const missingBundle = '/nonexistent/pxeprov-test-ca.pem';
  const env = (extra: Record<string, string>) => {
    const base = {...process.env};
    delete base.NODE_EXTRA_CA_CERTS;
    return {...base, ...extra};
  };

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'pxeprov-launcher-'));
    linked = join(dir, 'pxeprov');
    symlinkSync(resolve('bin/pxeprov'), linked); // as npm links node_modules/.bin/pxeprov
    envAtExit = join(dir, 'env-at-exit.mjs');
    writeFileSync(
      envAtExit,
      "process.on('exit', () => process.stderr.write(`child sees ${process.env.NODE_EXTRA_CA_CERTS} ${process.env.PXEPROV_EXTRA_CA_CERTS}\\n`));\n",
    );
  });
  after(() => rmSync(dir, {recursive: true, force: true}));

  it('runs through a symlink and passes its arguments', () => {
    // The example's ISO is a placeholder: validate checks that a local ISO exists, so stand one in.
    const iso = join(dir, 'centos7.iso');
    writeFileSync(iso, '');
    const media = JSON.stringify({media_isos: [{name: 'centos7', iso}]});
    const r = spawnSync(
      linked,
      [
        'validate',
        'inventory/example.yaml',
        '-p',
        'playbooks/pxe-server.yaml',
        '-e',
        media,
        '--vault-password-file',
        'inventory/example-vault-password.txt',
      ],
      {encoding: 'utf8', env: env({})},
    );
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^ok: 1 plays, \d+ tasks/);
  });

  it('node itself loads NODE_EXTRA_CA_CERTS at start-up (what the launcher avoids)', () => {
    const r = spawnSync('node', ['bin/run.js', '--version'], {
      encoding: 'utf8',
      env: env({NODE_EXTRA_CA_CERTS: missingBundle}),
    });
    assert.match(r.stderr, /Ignoring extra certs from/);
  });

  it('the launcher keeps Node from loading it, and hands it back to the process and its children', () => {
    const r = spawnSync(linked, ['--version'], {
      encoding: 'utf8',
      env: env({NODE_EXTRA_CA_CERTS: missingBundle, NODE_OPTIONS: `--import=${pathToFileURL(envAtExit).href}`}),
    });
    assert.equal(r.status, 0, r.stderr);
    assert.doesNotMatch(r.stderr, /Ignoring extra certs/);
    assert.match(r.stderr, new RegExp(`^child sees ${missingBundle} undefined$`, 'm'));
    assert.match(r.stdout, /^pxeprov\/\d/);
  });

  it('without NODE_EXTRA_CA_CERTS nothing is set', () => {
    const r = spawnSync(linked, ['--version'], {
      encoding: 'utf8',
      env: env({NODE_OPTIONS: `--import=${pathToFileURL(envAtExit).href}`}),
    });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /^child sees undefined undefined$/m);
  });
});
