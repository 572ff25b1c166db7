/** README stays true: every command, flag, error code and role variable is documented there. */
import assert from 'node:assert/strict';
import {readdirSync, readFileSync} from 'node:fs';
import {join} from 'node:path';
import {describe, it} from 'node:test';
import {parse} from 'yaml';
import {ERROR_CODES} from '../../src/errors.js';

const readme = readFileSync('README.md', 'utf8');

describe('README', () => {
  it('documents every error code with its exit code', () => {
    for (const [code, info] of Object.entries(ERROR_CODES)) {
      assert.match(readme, new RegExp(`\\| \`${code}\` \\| ${info.exit} \\|`), code);
    }
  });

  it('documents every role variable', () => {
    for (const role of readdirSync('roles')) {
      const defaults = parse(readFileSync(join('roles', role, 'defaults', 'main.yaml'), 'utf8')) as Record<string, unknown> | null;
      for (const name of Object.keys(defaults ?? {})) assert.ok(readme.includes(`\`${name}\``), `${role}: ${name}`);
    }
  });

  it('documents every command and flag', () => {
    const manifest = JSON.parse(readFileSync('oclif.manifest.json', 'utf8')) as {commands: Record<string, {flags: Record<string, {char?: string}>}>};
    for (const [id, command] of Object.entries(manifest.commands)) {
      const name = id.replaceAll(':', ' ');
      assert.ok(readme.includes(`pxeprov ${name}`), `command ${name}`);
      for (const flag of Object.keys(command.flags)) {
        if (flag === 'help') continue;
        assert.ok(readme.includes(`--${flag}`), `${name} --${flag}`);
      }
    }
  });
});
