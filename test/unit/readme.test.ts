/**
 * The documentation stays true: every command, flag, error code, exit code and role variable is in README.md or
 * a page under docs/, and the generated reference under docs/reference/ is what `npm run docs` writes.
 */
import assert from 'node:assert/strict';
import {readdirSync, readFileSync} from 'node:fs';
import {join} from 'node:path';
import {describe, it} from 'node:test';
import {parse} from 'yaml';
import {referencePages} from '../../src/docs/reference.js';
import {ERROR_CODES} from '../../src/errors.js';
import {readDocs} from '../helpers/docs.js';

interface Manifest {
  commands: Record<string, {hidden?: boolean; flags: Record<string, {hidden?: boolean}>}>;
}

const manifest = JSON.parse(readFileSync('oclif.manifest.json', 'utf8')) as Manifest;

/** What `docs` leaves out: the commands (`pxeprov NAME`) and flags (`NAME --flag`) of the manifest that help shows. */
function undocumentedCommands(docs: string, commands: Manifest['commands']): string[] {
  return Object.entries(commands)
    .filter(([, command]) => !command.hidden)
    .flatMap(([id, command]) => {
      const name = id.replaceAll(':', ' ');
      const shown = Object.entries(command.flags).filter(([flag, info]) => flag !== 'help' && !info.hidden);
      const flags = shown.map(([flag]) => flag).filter((flag) => !docs.includes(`--${flag}`));
      return [
        ...(docs.includes(`pxeprov ${name}`) ? [] : [`command ${name}`]),
        ...flags.map((flag) => `${name} --${flag}`),
      ];
    });
}

/** The exit codes of the rows of README's exit-code table (`| N | meaning |`). */
function readmeExitCodes(readme: string): number[] {
  const start = readme.indexOf('\n| exit | meaning |');
  const section = readme.slice(start, readme.indexOf('\n\n', start));
  return [...section.matchAll(/^\| ([0-9]) \| /gm)].map((m) => Number(m[1]));
}

describe('documentation', () => {
  const docs = readDocs();

  it('documents every error code with its exit code', () => {
    for (const [code, info] of Object.entries(ERROR_CODES)) {
      assert.match(docs, new RegExp(`\\| \`${code}\` \\| ${info.exit} \\|`), code);
    }
  });

  it('README lists every exit code: 0, 2 and the exit codes of the error catalogue', () => {
    const wanted = [...new Set([0, 2, ...Object.values(ERROR_CODES).map((info) => info.exit)])].sort();
    assert.deepEqual(readmeExitCodes(readFileSync('README.md', 'utf8')), wanted);
  });

  it('documents every role variable', () => {
    for (const role of readdirSync('roles')) {
      const defaults = parse(readFileSync(join('roles', role, 'defaults', 'main.yaml'), 'utf8')) as Record<
        string,
        unknown
      > | null;
      for (const name of Object.keys(defaults ?? {})) assert.ok(docs.includes(`\`${name}\``), `${role}: ${name}`);
    }
  });

  it('documents every command and flag', () => {
    assert.deepEqual(undocumentedCommands(docs, manifest.commands), []);
  });

  it('a flag or a command that no page mentions is caught', () => {
    const planted = structuredClone(manifest.commands);
    planted.up!.flags['planted-undocumented-flag'] = {};
    planted['planted:command'] = {flags: {}};
    assert.deepEqual(undocumentedCommands(docs, planted), [
      'up --planted-undocumented-flag',
      'command planted command',
    ]);
  });

  it('docs/reference/ is what `npm run docs` generates (rerun it after changing a command, module, role default or error code)', () => {
    const pages = referencePages('.');
    assert.deepEqual(readdirSync('docs/reference').sort(), Object.keys(pages).sort());
    for (const [name, text] of Object.entries(pages))
      assert.equal(readFileSync(join('docs', 'reference', name), 'utf8'), text, name);
  });
});
