/**
 * `up` and `check` start from dist/bundle/run.cjs (src/cli/bundle-load.ts): the same output and exit code
 * as oclif loading the command's modules, and V8's code cache kept in the parse cache, 0600, used again
 * as long as the bundle is the same file.
 */
import assert from 'node:assert/strict';
import {spawnSync} from 'node:child_process';
import {mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync} from 'node:fs';
import {createRequire} from 'node:module';
import {tmpdir} from 'node:os';
import {join, resolve} from 'node:path';
import {pathToFileURL} from 'node:url';
import {after, before, describe, it} from 'node:test';
import {stringify} from 'yaml';

const BIN = resolve('bin/pxeprov');
const RUN_JS = pathToFileURL(resolve('bin/run.js')).href;

let dir: string;
let env: NodeJS.ProcessEnv;

/** bin/pxeprov, or oclif's execute() loading every command from its module (what the bundle replaces). */
function run(args: string[], how: 'bundle' | 'modules') {
  const r =
    how === 'bundle'
      ? spawnSync(BIN, args, {encoding: 'utf8', env})
      : spawnSync(
          process.execPath,
          [
            '--input-type=module',
            '-e',
            `const {execute} = await import('@oclif/core'); await execute({dir: ${JSON.stringify(RUN_JS)}, args: ${JSON.stringify(args)}});`,
          ],
          {encoding: 'utf8', env: {...env, OCLIF_DISABLE_ENGINE_WARNING: '1'}},
        );
  return {code: r.status, stdout: r.stdout, stderr: r.stderr};
}

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'pxeprov-bundle-'));
  env = {...process.env, CI: 'true', XDG_CACHE_HOME: join(dir, 'cache')};
  writeFileSync(
    join(dir, 'inventory.yaml'),
    stringify({all: {hosts: {t: {ansible_host: '127.0.0.1', ansible_port: 1}}}}),
  );
  writeFileSync(
    join(dir, 'site.yaml'),
    stringify([
      {name: 'Site', hosts: 'all', tasks: [{name: 'A file', copy: {content: 'x\n', dest: '/tmp/x'}, tags: ['f']}]},
    ]),
  );
  writeFileSync(
    join(dir, 'broken.yaml'),
    stringify([{name: 'Broken', hosts: 'all', tasks: [{name: 'B', copy: {content: '{{ open', dest: '/tmp/y'}}]}]),
  );
});
after(() => rmSync(dir, {recursive: true, force: true}));

describe('up and check from the bundle', () => {
  const inventory = () => join(dir, 'inventory.yaml');
  const cases: Array<{what: string; args: () => string[]}> = [
    {what: 'a listing', args: () => ['check', inventory(), '-p', join(dir, 'site.yaml'), '--list-tasks']},
    {what: 'a listing as JSON', args: () => ['up', inventory(), '-p', join(dir, 'site.yaml'), '--list-tags', '--json']},
    {what: 'invalid input', args: () => ['check', inventory(), '-p', join(dir, 'broken.yaml')]},
    {what: 'invalid input as JSON', args: () => ['up', inventory(), '-p', join(dir, 'broken.yaml'), '--json']},
    {what: 'an unknown flag', args: () => ['check', '--jsn']},
    {what: 'a bad flag value', args: () => ['up', '--forks', 'x', inventory()]},
    {what: 'an extra argument', args: () => ['up', 'a.yaml', 'b.yaml']},
    {what: 'a missing inventory', args: () => ['check', '/nonexistent/inventory.yaml']},
    {what: 'help', args: () => ['up', '--help']},
  ];
  for (const c of cases) {
    it(`${c.what}: the same output and exit code as oclif loading the command`, () => {
      const bundled = run(c.args(), 'bundle');
      assert.deepEqual(bundled, run(c.args(), 'modules'));
      assert.notEqual(bundled.stdout + bundled.stderr, '');
    });
  }

  it("requires native addons (ssh2's crypto) by package path, resolved from the bundle as before", () => {
    const bundle = resolve('dist/bundle/run.cjs');
    const addons = [...readFileSync(bundle, 'utf8').matchAll(/require\("([^"]+\.node)"\)/g)].map((m) => m[1]!);
    assert.ok(addons.includes('ssh2/lib/protocol/crypto/build/Release/sshcrypto.node'), addons.join(', '));
    const fromBundle = createRequire(bundle);
    assert.equal(
      fromBundle.resolve('ssh2/lib/protocol/crypto/build/Release/sshcrypto.node'),
      createRequire(fromBundle.resolve('ssh2')).resolve('./protocol/crypto/build/Release/sshcrypto.node'),
    );
  });

  it("keeps V8's code cache 0600 in the parse cache, and uses it again", () => {
    const args = ['check', inventory(), '-p', join(dir, 'site.yaml'), '--list-hosts'];
    assert.equal(run(args, 'bundle').code, 0);
    const codeDir = join(dir, 'cache', 'pxeprov', 'code');
    const entries = readdirSync(codeDir);
    assert.equal(entries.length, 1);
    const entry = join(codeDir, entries[0]!);
    const first = statSync(entry);
    assert.equal(first.mode & 0o777, 0o600);
    assert.ok(first.size > 100_000, `${first.size} bytes: the code of a whole run`);
    assert.equal(run(args, 'bundle').code, 0);
    // A cache V8 rejected would have been written again.
    assert.deepEqual(readdirSync(codeDir), entries);
    assert.equal(statSync(entry).mtimeMs, first.mtimeMs);
    assert.equal(statSync(entry).ino, first.ino);
    // A rebuilt bundle (here: the same text, a new mtime) replaces the entry, once.
    const bundle = resolve('dist/bundle/run.cjs');
    const now = new Date();
    utimesSync(bundle, now, now);
    assert.equal(run(args, 'bundle').code, 0);
    assert.deepEqual(readdirSync(codeDir), entries);
    const replaced = statSync(entry);
    assert.notEqual(replaced.ino, first.ino);
    assert.equal(run(args, 'bundle').code, 0);
    assert.equal(statSync(entry).ino, replaced.ino);
  });
});
