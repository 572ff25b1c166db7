/**
 * Ansible vault: the format against files the real ansible-vault wrote (test/fixtures/vault), a known vector
 * with a fixed salt, round trips, tampering, password sources, inline !vault values and masking by value.
 */
import assert from 'node:assert/strict';
import {chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {after, describe, it} from 'node:test';
import {stringsToEncrypt} from '../../src/cli/vault.js';
import {loadInventory} from '../../src/config/inventory.js';
import {maskSecrets, redactVars} from '../../src/config/redact.js';
import {parseYaml} from '../../src/config/yaml.js';
import {Redactor} from '../../src/engine/redact.js';
import {errorsOf, PxeError} from '../../src/errors.js';
import {openVault, type VaultSecret} from '../../src/vault/decrypt.js';
import {encryptSecret} from '../../src/vault/files.js';
import {decryptEnvelope, encryptVault, parseEnvelope, vaultYamlBlock} from '../../src/vault/format.js';
import {useVaultSecrets} from '../../src/vault/keyring.js';
import {resolveVaultSecrets, splitVaultId} from '../../src/vault/secrets.js';

const FIXTURES = join(import.meta.dirname, '../fixtures/vault');
const fixture = (name: string) => readFileSync(join(FIXTURES, name), 'utf8');
const secret = (password: string, label = 'default'): VaultSecret => ({
  label,
  password: Buffer.from(password),
  source: 'test',
});
const PASSWORD = secret('fixture-password');
const PROD = secret('prod-fixture-password', 'prod');

function vaultError(fn: () => unknown): PxeError {
  try {
    fn();
  } catch (e) {
    const error = errorsOf(e)?.[0];
    if (error) return error;
    throw e;
  }
  assert.fail('expected an error');
}

describe('vault format: files written by ansible-vault', () => {
  const cases: Array<[string, VaultSecret[], string]> = [
    ['whole-1.1.yml', [PASSWORD], fixture('whole.plain.yml')],
    ['whole-1.2-prod.yml', [PROD], fixture('whole.plain.yml')],
    ['whole-1.2-prod.yml', [PASSWORD, PROD], fixture('whole.plain.yml')],
    ['salt-0-31-1.2-ops.vault', [secret('wrong'), PASSWORD], 'known vector: exactly 32 bytes!\n'],
  ];
  for (const [file, secrets, plain] of cases) {
    it(`${file} with ${secrets.map((s) => s.label).join(', ')}`, () =>
      assert.equal(openVault(fixture(file), secrets, {file}).toString('utf8'), plain));
  }

  it('the 1.2 header carries the label', () => {
    assert.equal(parseEnvelope(fixture('whole-1.2-prod.yml')).label, 'prod');
    assert.equal(parseEnvelope(fixture('whole-1.1.yml')).label, undefined);
  });

  it('encrypting with the same salt gives byte for byte what Ansible wrote', () => {
    const text = encryptVault(Buffer.from('known vector: exactly 32 bytes!\n'), PASSWORD.password, {
      label: 'ops',
      salt: Buffer.from([...Array(32).keys()]),
    });
    assert.equal(text, fixture('salt-0-31-1.2-ops.vault'));
  });
});

describe('vault format: round trips', () => {
  const plaintexts = [
    '',
    'a',
    'x'.repeat(15),
    'y'.repeat(16),
    'z'.repeat(17),
    'multi\nline\n',
    'unicode ✓ é',
    '\u0000\u00ff binary',
  ];
  for (const plain of plaintexts) {
    it(`${JSON.stringify(plain).slice(0, 24)} (${plain.length} chars)`, () => {
      const text = encryptVault(Buffer.from(plain), PASSWORD.password);
      assert.match(text, /^\$ANSIBLE_VAULT;1\.1;AES256\n([0-9a-f]{1,80}\n)+$/);
      assert.equal(openVault(text, [PASSWORD], {}).toString(), plain);
    });
  }

  it('a label other than default makes a 1.2 vault', () => {
    assert.match(
      encryptVault(Buffer.from('v'), PASSWORD.password, {label: 'prod'}),
      /^\$ANSIBLE_VAULT;1\.2;AES256;prod\n/,
    );
    assert.match(
      encryptVault(Buffer.from('v'), PASSWORD.password, {label: 'default'}),
      /^\$ANSIBLE_VAULT;1\.1;AES256\n/,
    );
  });

  it('encrypt-string blocks are YAML that parses back to the value', () => {
    useVaultSecrets([PASSWORD]);
    const block = vaultYamlBlock(encryptVault(Buffer.from('s3cret value'), PASSWORD.password), 'pw');
    assert.match(block, /^pw: !vault \|\n {10}\$ANSIBLE_VAULT;1\.1;AES256\n/);
    assert.deepEqual(parseYaml(`${block}\nother: 1\n`, 'b.yaml').value, {pw: 's3cret value', other: 1});
  });
});

describe('vault errors: exit 3, the file named, never the plaintext', () => {
  const text = fixture('whole-1.1.yml');
  const body = text.split('\n');
  // One hex digit of the ciphertext changed (inside the outer hex encoding).
  const [salt, hmac, ciphertext] = Buffer.from(body.slice(1).join(''), 'hex').toString('latin1').split('\n') as [
    string,
    string,
    string,
  ];
  const altered = ciphertext.slice(0, -1) + (ciphertext.endsWith('a') ? 'b' : 'a');
  const tampered = `${body[0]}\n${Buffer.from([salt, hmac, altered].join('\n'), 'latin1').toString('hex')}\n`;
  const cases: Array<[string, string, VaultSecret[], RegExp]> = [
    [
      'wrong password',
      text,
      [secret('nope')],
      /no vault password given decrypts this vault: the password is wrong or the data was altered \(HMAC mismatch\)/,
    ],
    ['tampered ciphertext', tampered, [PASSWORD], /HMAC mismatch/],
    ['no password', text, [], /vault-encrypted content but no vault password was given/],
    ['bad header', text.replace('1.1;AES256', '1.1;AES128'), [PASSWORD], /cipher AES128 is not supported/],
    ['unknown version', text.replace('1.1;', '2.0;'), [PASSWORD], /vault format 2.0 is not supported/],
    ['not hex', text.replace(/\n3/, '\nz'), [PASSWORD], /not hexadecimal/],
    ['truncated', body.slice(0, 3).join('\n'), [PASSWORD], /not hexadecimal|does not hold a salt/],
  ];
  for (const [name, vault, secrets, message] of cases) {
    it(name, () => {
      const error = vaultError(() => openVault(vault, secrets, {file: 'group_vars/all/vault.yml'}));
      assert.equal(error.code, 'E_VAULT');
      assert.equal(error.exit, 3);
      assert.deepEqual(error.where, {file: 'group_vars/all/vault.yml'});
      assert.match(error.message, message);
      assert.ok(!JSON.stringify(error.toJSON()).includes('fixture-db-secret'));
    });
  }

  it('names the missing label in the hint', () => {
    const error = vaultError(() => openVault(fixture('whole-1.2-prod.yml'), [PASSWORD], {file: 'f'}));
    assert.match(error.message, /vault id 'prod'/);
    assert.match(error.hint!, /--vault-id prod@SOURCE/);
  });

  it('a wrong password yields no plaintext at all', () => {
    assert.equal(decryptEnvelope(parseEnvelope(text), Buffer.from('nope')), undefined);
  });
});

describe('inline !vault values', () => {
  it('decrypt where they are; the other values stay', () => {
    useVaultSecrets([PASSWORD]);
    assert.deepEqual(parseYaml(fixture('inline-1.1.yml'), 'inline.yml').value, {
      plain: 'visible',
      secret: 'inline-fixture-secret',
      other: 'also-visible',
    });
  });

  it('a wrong password names the file and line of the value', () => {
    useVaultSecrets([secret('nope')]);
    const error = vaultError(() => parseYaml(fixture('inline-1.1.yml'), 'inline.yml'));
    assert.equal(error.code, 'E_VAULT');
    assert.deepEqual(error.where, {file: 'inline.yml', line: 2, col: 16});
  });

  it('!vault on a mapping is an error at its line', () => {
    useVaultSecrets([PASSWORD]);
    const error = vaultError(() => parseYaml('a: 1\nb: !vault {x: 1}\n', 'm.yml'));
    assert.equal(error.code, 'E_VAULT');
    assert.equal(error.where.line, 2);
  });
});

describe('encrypted inventory files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pxeprov-vault-inv-'));
  after(() => rmSync(dir, {recursive: true, force: true}));
  const cases: Array<[string, string]> = [
    ['hosts.ini', '[pxe]\npxe1 ansible_host=10.0.0.9 some_value=hosts.ini-Secret-value\n'],
    ['hosts.yaml', 'pxe:\n  hosts:\n    pxe1: {ansible_host: 10.0.0.9, some_value: hosts.yaml-Secret-value}\n'],
  ];
  for (const [name, text] of cases) {
    it(`${name}: read, and its values masked`, () => {
      useVaultSecrets([PASSWORD]);
      writeFileSync(join(dir, name), encryptVault(Buffer.from(text), PASSWORD.password));
      const inventory = loadInventory(join(dir, name));
      assert.deepEqual(inventory.hosts.get('pxe1')?.vars, {
        ansible_host: '10.0.0.9',
        some_value: `${name}-Secret-value`,
      });
      assert.equal(maskSecrets(`x ${name}-Secret-value`), 'x ********');
    });
  }
});

describe('decrypted values are masked by value, whatever the name', () => {
  useVaultSecrets([PASSWORD]);
  parseYaml(fixture('inline-1.1.yml'), 'inline.yml');
  it('in text', () => assert.equal(maskSecrets('pw=inline-fixture-secret;'), 'pw=********;'));
  it('in inventory views', () =>
    assert.deepEqual(redactVars({harmless_name: 'x inline-fixture-secret', plain: 'visible'}), {
      harmless_name: 'x ********',
      plain: 'visible',
    }));
  it('in engine output', () => assert.equal(new Redactor().text('+rootpw inline-fixture-secret'), '+rootpw ********'));
  it('not the unencrypted values beside them', () =>
    assert.equal(maskSecrets('visible also-visible'), 'visible also-visible'));
  it('every value of a whole vault file, each line of a multi-line one', () => {
    useVaultSecrets([PASSWORD]);
    parseYaml(openVault(fixture('whole-1.1.yml'), [PASSWORD], {}).toString(), 'w.yml', {secret: true});
    parseYaml(
      `k: !vault |\n  ${encryptVault(Buffer.from('-----BEGIN KEY-----\nAAAAsecretbody\n-----END KEY-----\n'), PASSWORD.password).trimEnd().replaceAll('\n', '\n  ')}\n`,
      'k.yml',
    );
    assert.equal(maskSecrets('fixture-db-secret 5432'), '******** ********');
    assert.equal(maskSecrets('+AAAAsecretbody'), '+********');
  });
});

describe('vault password sources', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pxeprov-vault-'));
  after(() => rmSync(dir, {recursive: true, force: true}));
  const file = (name: string, text: string, mode = 0o600) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    chmodSync(path, mode);
    return path;
  };

  it('a plain file: surrounding whitespace stripped', async () => {
    const [s] = await resolveVaultSecrets({passwordFiles: [file('pw', '  pw one \n\n')]});
    assert.deepEqual([s!.label, s!.password.toString()], ['default', 'pw one']);
  });

  it('an executable file is run and its stdout used', async () => {
    const [s] = await resolveVaultSecrets({ids: [`dev@${file('pw.sh', '#!/bin/sh\necho " from script"\n', 0o700)}`]});
    assert.deepEqual([s!.label, s!.password.toString()], ['dev', ' from script']);
  });

  it('a -client script is asked for its label', async () => {
    const [s] = await resolveVaultSecrets({
      ids: [`prod@${file('vault-client.sh', '#!/bin/sh\necho "pw-for-$1-$2"\n', 0o700)}`],
    });
    assert.equal(s!.password.toString(), 'pw-for---vault-id-prod');
  });

  it('order: configured identities, --vault-id, --vault-password-file, the configured file', async () => {
    const a = file('a', 'A');
    const secrets = await resolveVaultSecrets({
      identityList: [`cfg@${a}`],
      ids: [`cli@${a}`],
      passwordFiles: [a],
      defaultPasswordFile: a,
    });
    assert.deepEqual(
      secrets.map((s) => s.label),
      ['cfg', 'cli', 'default', 'default'],
    );
  });

  const failures: Array<[string, () => Promise<unknown>, RegExp]> = [
    [
      'a missing file',
      () => resolveVaultSecrets({passwordFiles: [join(dir, 'missing')]}),
      /vault password file .*missing does not exist/,
    ],
    ['an empty file', () => resolveVaultSecrets({passwordFiles: [file('empty', '\n')]}), /gave an empty password/],
    [
      'a failing script',
      () => resolveVaultSecrets({passwordFiles: [file('fail.sh', '#!/bin/sh\nexit 4\n', 0o700)]}),
      /exited with 4/,
    ],
    [
      'a client without the label',
      () => resolveVaultSecrets({ids: [`x@${file('no-client', '#!/bin/sh\nexit 2\n', 0o700)}`]}),
      /knows no secret for vault id 'x'/,
    ],
    [
      'a vaulted password file',
      () => resolveVaultSecrets({passwordFiles: [file('vaulted', fixture('whole-1.1.yml'))]}),
      /is itself vault-encrypted/,
    ],
  ];
  for (const [name, run, message] of failures) {
    it(`${name}: E_VAULT`, async () => {
      await assert.rejects(run(), (e: PxeError) => e.code === 'E_VAULT' && e.exit === 3 && message.test(e.message));
    });
  }

  const ids: Array<[string, {label: string; source: string} | RegExp]> = [
    ['prod@/p', {label: 'prod', source: '/p'}],
    ['/p', {label: 'default', source: '/p'}],
    ['prod@prompt', {label: 'prod', source: 'prompt'}],
    ['a@b@c', {label: 'a', source: 'b@c'}],
    ['x;y@/p', /';' is not allowed/],
    ['prod@', /names no password source/],
  ];
  for (const [id, expected] of ids) {
    it(`--vault-id ${id}`, () => {
      if (expected instanceof RegExp) assert.throws(() => splitVaultId(id), expected);
      else assert.deepEqual(splitVaultId(id), expected);
    });
  }
});

describe('vault commands: choosing the password and the strings', () => {
  it('encrypts with the only password, or the one of --encrypt-vault-id', () => {
    assert.equal(encryptSecret([PASSWORD]), PASSWORD);
    assert.equal(encryptSecret([PASSWORD, PROD], 'prod'), PROD);
    assert.throws(() => encryptSecret([PASSWORD, PROD]), /several vault ids can encrypt \(default, prod\)/);
    assert.throws(() => encryptSecret([PASSWORD], 'prod'), /--encrypt-vault-id prod names no vault id given/);
  });

  it('names strings in order; more names than strings is an error', () => {
    assert.deepEqual(stringsToEncrypt(['a', 'b'], ['x']), [
      {text: 'a', name: 'x'},
      {text: 'b', name: undefined},
    ]);
    assert.throws(() => stringsToEncrypt(['a'], ['x', 'y']), /2 --name for 1 strings/);
    assert.throws(() => stringsToEncrypt([''], []), /empty string/);
  });
});
