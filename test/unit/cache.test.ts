/**
 * The parsed-input cache: created private (0700 directories, 0600 files) whatever the umask, an older wider
 * directory narrowed, anyone else's directory not used, and no file that holds a secret cached.
 */
import assert from 'node:assert/strict';
import {execFileSync} from 'node:child_process';
import {
  chmodSync,
  chownSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {describe, it} from 'node:test';

const SECRET = 'Cache-Secret-9f2';

/** Loads `inventory` in a fresh process (the cache's location is fixed at start) with umask 0. */
function load(cacheHome: string, inventory: string): void {
  const script = `process.umask(0); const {loadInventory} = await import(${JSON.stringify(join(process.cwd(), 'src/config/inventory.ts'))}); loadInventory(${JSON.stringify(inventory)});`;
  execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    env: {...process.env, XDG_CACHE_HOME: cacheHome, PXEPROV_CACHE: '1'},
    stdio: 'pipe',
  });
}

function files(dir: string): string[] {
  return readdirSync(dir, {recursive: true, withFileTypes: true}).map((e) => join(e.parentPath, e.name));
}

const mode = (path: string) => statSync(path).mode & 0o777;

function project(vars: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'pxeprov-cache-src-'));
  const lines = Object.entries(vars).map(([k, v]) => `          ${k}: ${v}`);
  writeFileSync(
    join(dir, 'inventory.yaml'),
    ['all:', '  children:', '    pxe:', '      hosts:', '        pxe1:', ...lines, ''].join('\n'),
  );
  return join(dir, 'inventory.yaml');
}

describe('parsed-input cache', () => {
  it('is created 0700 / 0600 even with umask 0', () => {
    const home = mkdtempSync(join(tmpdir(), 'pxeprov-cache-'));
    load(home, project({ansible_host: '10.0.0.2'}));
    const entries = files(join(home, 'pxeprov'));
    assert.ok(
      entries.some((f) => f.endsWith('.json')),
      `entries: ${entries.join(', ')}`,
    );
    assert.equal(mode(join(home, 'pxeprov')), 0o700);
    for (const entry of entries) assert.equal(mode(entry), statSync(entry).isDirectory() ? 0o700 : 0o600, entry);
  });

  it('does not cache a file that holds a secret-named variable', () => {
    const home = mkdtempSync(join(tmpdir(), 'pxeprov-cache-'));
    load(home, project({ansible_host: '10.0.0.3', ansible_become_password: SECRET}));
    load(home, project({ansible_host: '10.0.0.4', vault: `{api_token: ${SECRET}}`}));
    const entries = files(join(home, 'pxeprov')).filter((f) => statSync(f).isFile());
    for (const entry of entries) assert.ok(!readFileSync(entry, 'utf8').includes(SECRET), entry);
    assert.ok(!entries.some((f) => f.includes('/yaml/')), `no YAML entry: ${entries.join(', ')}`);
  });

  it('narrows a directory an older version made 0755 and drops its entries (they may hold secrets)', () => {
    const home = mkdtempSync(join(tmpdir(), 'pxeprov-cache-'));
    mkdirSync(join(home, 'pxeprov/yaml'), {recursive: true});
    chmodSync(join(home, 'pxeprov'), 0o755);
    chmodSync(join(home, 'pxeprov/yaml'), 0o755);
    writeFileSync(join(home, 'pxeprov/yaml/0123.json'), JSON.stringify({value: {ansible_become_password: SECRET}}), {
      mode: 0o644,
    });
    load(home, project({ansible_host: '10.0.0.5'}));
    assert.equal(mode(join(home, 'pxeprov')), 0o700);
    assert.equal(mode(join(home, 'pxeprov/yaml')), 0o700);
    const entries = readdirSync(join(home, 'pxeprov/yaml'));
    assert.ok(!entries.includes('0123.json') && entries.length === 1, entries.join(', '));
  });

  it(
    'does not use a cache directory that belongs to someone else',
    {skip: process.getuid?.() !== 0 && 'needs root to chown'},
    () => {
      const home = mkdtempSync(join(tmpdir(), 'pxeprov-cache-'));
      mkdirSync(join(home, 'pxeprov/yaml'), {recursive: true, mode: 0o777});
      chownSync(join(home, 'pxeprov'), 65534, 65534);
      chmodSync(join(home, 'pxeprov'), 0o777);
      load(home, project({ansible_host: '10.0.0.6'}));
      assert.deepEqual(readdirSync(join(home, 'pxeprov/yaml')), []);
      assert.equal(mode(join(home, 'pxeprov')), 0o777, 'not ours to change');
    },
  );
});
