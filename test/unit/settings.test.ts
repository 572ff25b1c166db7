/** ansible.cfg and ANSIBLE_* variables: found, parsed and ranked as Ansible does; --start-at-task; --list-*. */
import assert from 'node:assert/strict';
import {chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {PassThrough} from 'node:stream';
import {after, describe, it} from 'node:test';
import {listingText, listPlaybook} from '../../src/cli/list.js';
import {findAnsibleCfg, parseAnsibleCfg} from '../../src/config/ansible-cfg.js';
import {loadInventory} from '../../src/config/inventory.js';
import {loadPlaybook} from '../../src/config/playbook.js';
import {resolveSettings, type CliSettings, type Settings} from '../../src/config/settings.js';
import {startAtTask} from '../../src/config/start-at-task.js';
import {errorsOf} from '../../src/errors.js';
import {promptHidden} from '../../src/transport/passphrase.js';

const tmp = mkdtempSync(join(tmpdir(), 'pxeprov-settings-'));
after(() => rmSync(tmp, {recursive: true, force: true}));

const CFG_DIR = '/etc/site';
const cfg = (text: string) => parseAnsibleCfg(join(CFG_DIR, 'ansible.cfg'), text);

describe('ansible.cfg is read like Python configparser as Ansible sets it up', () => {
  const cases: Array<[string, string, Record<string, string>]> = [
    ['key = value and key: value', '[defaults]\nforks = 7\nremote_user: admin\n', {forks: '7', remote_user: 'admin'}],
    [
      'comments: whole lines with # or ;, inline after " ;"',
      '# top\n[defaults]\n; note\nforks = 9 ; nine\ntimeout = 30#x\n',
      {forks: '9', timeout: '30#x'},
    ],
    ['keys are case-insensitive, values keep their case', '[defaults]\nRemote_User = Admin\n', {remote_user: 'Admin'}],
    ['indented lines continue a value', '[defaults]\nroles_path = /a\n  /b\n', {roles_path: '/a\n/b'}],
    ['%% is a literal %', '[defaults]\nremote_user = a%%b\n', {remote_user: 'a%b'}],
  ];
  for (const [what, text, expected] of cases) {
    it(what, () => {
      const values = Object.fromEntries([...cfg(text).sections.get('defaults')!].map(([k, e]) => [k, e.value]));
      assert.deepEqual(values, expected);
    });
  }

  const bad: Array<[string, string, number, RegExp]> = [
    ['a key before any section', 'forks = 3\n', 1, /before any \[section\]/],
    ['a line that is no key = value', '[defaults]\njust words\n', 2, /cannot read this line/],
    ['a key set twice', '[defaults]\nforks = 1\nforks = 2\n', 3, /set twice/],
    ['%-interpolation', '[defaults]\nremote_user = %(x)s\n', 2, /interpolation/],
  ];
  for (const [what, text, line, message] of bad) {
    it(`error: ${what}, with its line`, () => {
      const errors = errorsOf(captured(() => cfg(text)))!;
      assert.equal(errors[0]!.code, 'E_ANSIBLE_CFG');
      assert.equal(errors[0]!.where.line, line);
      assert.match(errors[0]!.message, message);
    });
  }
});

function captured(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  assert.fail('expected an error');
}

describe('settings: command line > environment > ansible.cfg > default', () => {
  const file =
    '[defaults]\ninventory = inv/hosts.yaml\nforks = 8\nremote_user = cfguser\nprivate_key_file = keys/id\nhost_key_checking = False\nroles_path = roles:/shared/roles\nvault_password_file = ~/.vault_pass\ntimeout = 20\n';
  const cases: Array<{
    what: string;
    cli?: CliSettings;
    env?: Record<string, string>;
    cfg?: string;
    expect: Partial<Settings>;
  }> = [
    {what: 'nothing: the defaults, and no inventory', expect: {forks: 5, rolesPath: [], vaultPasswordFiles: []}},
    {
      what: 'ansible.cfg: paths relative to its directory, ~ expanded',
      cfg: file,
      expect: {
        inventory: '/etc/site/inv/hosts.yaml',
        forks: 8,
        remoteUser: 'cfguser',
        privateKeyFile: '/etc/site/keys/id',
        hostKeyChecking: false,
        rolesPath: ['/etc/site/roles', '/shared/roles'],
        vaultPasswordFiles: ['/home/u/.vault_pass'],
        timeout: 20,
      },
    },
    {
      what: 'ANSIBLE_* variables win over ansible.cfg; their paths are relative to the working directory',
      cfg: file,
      env: {
        ANSIBLE_INVENTORY: 'other.ini',
        ANSIBLE_FORKS: '2',
        ANSIBLE_REMOTE_USER: 'envuser',
        ANSIBLE_PRIVATE_KEY_FILE: 'k',
        ANSIBLE_HOST_KEY_CHECKING: 'yes',
        ANSIBLE_ROLES_PATH: 'r1:/r2',
        ANSIBLE_VAULT_PASSWORD_FILE: 'vp',
        ANSIBLE_TIMEOUT: '3',
      },
      expect: {
        inventory: '/work/other.ini',
        forks: 2,
        remoteUser: 'envuser',
        privateKeyFile: '/work/k',
        hostKeyChecking: true,
        rolesPath: ['/work/r1', '/r2'],
        vaultPasswordFiles: ['/work/vp'],
        timeout: 3,
      },
    },
    {
      what: 'PXEPROV_INVENTORY wins over ANSIBLE_INVENTORY',
      env: {ANSIBLE_INVENTORY: 'a.yaml', PXEPROV_INVENTORY: 'p.yaml'},
      expect: {inventory: 'p.yaml'},
    },
    {
      what: 'the command line wins over everything',
      cfg: file,
      env: {PXEPROV_INVENTORY: 'p.yaml', ANSIBLE_FORKS: '2', ANSIBLE_REMOTE_USER: 'envuser'},
      cli: {
        inventory: 'cli.yaml',
        forks: 11,
        remoteUser: 'cliuser',
        privateKeyFile: 'my/key',
        vaultPasswordFiles: ['pw'],
      },
      expect: {
        inventory: 'cli.yaml',
        forks: 11,
        remoteUser: 'cliuser',
        privateKeyFile: '/work/my/key',
        vaultPasswordFiles: ['/work/pw'],
      },
    },
  ];
  for (const c of cases) {
    it(c.what, () => {
      const settings = resolveSettings(c.cli ?? {}, {
        env: c.env ?? {},
        cwd: '/work',
        home: '/home/u',
        cfg: c.cfg ? cfg(c.cfg) : undefined,
      });
      for (const [key, value] of Object.entries(c.expect))
        assert.deepEqual(settings[key as keyof Settings], value, key);
      if (!c.cfg && !c.env) assert.equal(settings.inventory, undefined);
    });
  }

  it('keys and ANSIBLE_* variables pxeprov does not use are named in warnings (file:line)', () => {
    const settings = resolveSettings(
      {},
      {
        env: {ANSIBLE_STDOUT_CALLBACK: 'yaml', ANSIBLE_FORKS: '3'},
        cwd: '/work',
        cfg: cfg('[defaults]\nforks = 3\ngathering = smart\n\n[ssh_connection]\npipelining = True\n'),
      },
    );
    assert.deepEqual(settings.warnings, [
      '/etc/site/ansible.cfg:3: [defaults] gathering is not used by pxeprov',
      '/etc/site/ansible.cfg:6: [ssh_connection] pipelining is not used by pxeprov',
      'environment variable ANSIBLE_STDOUT_CALLBACK is not used by pxeprov',
    ]);
  });

  const bad: Array<[string, Record<string, string>, string, RegExp]> = [
    ['forks that is not a number', {}, '[defaults]\nforks = many\n', /forks is "many"/],
    ['a boolean that is not one', {ANSIBLE_HOST_KEY_CHECKING: 'maybe'}, '', /ANSIBLE_HOST_KEY_CHECKING is "maybe"/],
    ['two inventories', {ANSIBLE_INVENTORY: 'a.yaml,b.yaml'}, '', /more than one inventory/],
  ];
  for (const [what, env, text, message] of bad) {
    it(`error: ${what}`, () => {
      const errors = errorsOf(
        captured(() => resolveSettings({}, {env, cwd: '/work', cfg: text ? cfg(text) : undefined})),
      )!;
      assert.match(errors[0]!.message, message);
      assert.equal(errors[0]!.exit, 3);
    });
  }
});

describe('ansible.cfg is found where Ansible looks', () => {
  const home = join(tmp, 'home');
  const work = join(tmp, 'work');
  const open = join(tmp, 'open');
  for (const d of [home, work, open]) mkdirSync(d, {recursive: true});
  for (const d of [home, work, open])
    writeFileSync(join(d, d === home ? '.ansible.cfg' : 'ansible.cfg'), '[defaults]\n');
  chmodSync(open, 0o777);

  it('$ANSIBLE_CONFIG first (a directory means its ansible.cfg)', () => {
    assert.equal(findAnsibleCfg({env: {ANSIBLE_CONFIG: work}, cwd: open, home}).file, join(work, 'ansible.cfg'));
  });
  it('$ANSIBLE_CONFIG naming nothing is an error, not a fallback', () => {
    assert.equal(
      errorsOf(captured(() => findAnsibleCfg({env: {ANSIBLE_CONFIG: join(tmp, 'nope.cfg')}, cwd: work, home})))![0]!
        .code,
      'E_ANSIBLE_CFG',
    );
  });
  it('./ansible.cfg next', () => {
    assert.equal(findAnsibleCfg({env: {}, cwd: work, home}).file, join(work, 'ansible.cfg'));
  });
  it('./ansible.cfg in a world-writable directory is ignored, with a warning; ~/.ansible.cfg is read', () => {
    const found = findAnsibleCfg({env: {}, cwd: open, home});
    assert.equal(found.file, join(home, '.ansible.cfg'));
    assert.match(found.warnings[0]!, /world writable/);
  });
  it('none at all', () => {
    const found = findAnsibleCfg({env: {}, cwd: join(tmp, 'home'), home: join(tmp, 'nohome')});
    assert.equal(found.file === undefined || found.file === '/etc/ansible/ansible.cfg', true);
  });
});

describe('--start-at-task and --list-*', () => {
  const dir = join(tmp, 'play');
  mkdirSync(join(dir, 'roles/web/tasks'), {recursive: true});
  writeFileSync(join(dir, 'roles/web/tasks/main.yaml'), '- name: Install web\n  command: /bin/true\n  tags: [pkg]\n');
  writeFileSync(
    join(dir, 'site.yaml'),
    [
      '- name: First',
      '  hosts: all',
      '  tags: [base]',
      '  tasks:',
      '    - {name: One, command: /bin/true}',
      '    - {name: Two, command: /bin/true, tags: [two]}',
      '- name: Second',
      '  hosts: web',
      '  roles: [web]',
      '  tasks:',
      '    - {name: Three, command: /bin/true, tags: never}',
      '',
    ].join('\n'),
  );
  writeFileSync(
    join(dir, 'inventory.yaml'),
    'all:\n  hosts: {db1: {}}\n  children:\n    web:\n      hosts: {web1: {}, web2: {}}\n',
  );
  const playbook = () => loadPlaybook(join(dir, 'site.yaml'));
  const tasksOf = (p: ReturnType<typeof playbook>) =>
    p.plays.map((play) => `${play.name}: ${play.tasks.map((t) => t.name).join(',')}`);

  const starts: Array<[string, string[]]> = [
    ['Two', ['First: Two', 'Second: Install web,Three']],
    ['web : Install web', ['Second: Install web,Three']],
    ['Install*', ['Second: Install web,Three']],
    ['Three', ['Second: Three']],
  ];
  for (const [start, expected] of starts)
    it(`--start-at-task '${start}'`, () => assert.deepEqual(tasksOf(startAtTask(playbook(), start)), expected));
  it('--start-at-task naming no task is a usage error with the nearest name', () => {
    const error = errorsOf(captured(() => startAtTask(playbook(), 'Tow')))![0]!;
    assert.equal(error.code, 'E_USAGE');
    assert.match(error.hint!, /'Two'/);
  });

  it('--list-hosts --list-tasks --list-tags print as ansible-playbook does', () => {
    const listing = listPlaybook(
      playbook(),
      loadInventory(join(dir, 'inventory.yaml')),
      {hosts: true, tasks: true, tags: true},
      {tags: [], skipTags: []},
    );
    assert.equal(
      listingText({...listing, playbook: 'site.yaml'}),
      [
        '',
        'playbook: site.yaml',
        '',
        '  play #1 (all): First\tTAGS: [base]',
        "    pattern: ['all']",
        '    hosts (3):',
        '      db1',
        '      web1',
        '      web2',
        '    tasks:',
        '      One\tTAGS: [base]',
        '      Two\tTAGS: [base, two]',
        '      TASK TAGS: [base, two]',
        '',
        '  play #2 (web): Second\tTAGS: []',
        "    pattern: ['web']",
        '    hosts (2):',
        '      web1',
        '      web2',
        '    tasks:',
        '      web : Install web\tTAGS: [pkg]',
        '      TASK TAGS: [pkg]',
        '',
      ].join('\n'),
    );
  });

  it('--list-tasks follows --tags, --skip-tags and --limit', () => {
    const listing = listPlaybook(
      playbook(),
      loadInventory(join(dir, 'inventory.yaml')),
      {hosts: true, tasks: true, tags: false},
      {tags: ['two', 'never'], skipTags: [], limit: 'web1'},
    );
    assert.deepEqual(
      listing.plays.map((p) => [p.hosts, p.tasks!.map((t) => t.name)]),
      [
        [['web1'], ['Two']],
        [['web1'], ['Three']],
      ],
    );
  });
});

describe('-K asks on the terminal', () => {
  it('what is typed is returned and never echoed', async () => {
    const [input, output] = [new PassThrough(), new PassThrough()];
    let seen = '';
    output.on('data', (d) => (seen += d));
    const answer = promptHidden('BECOME password: ', input, output);
    input.write('s3cret-pw\n');
    assert.equal(await answer, 's3cret-pw');
    assert.match(seen, /^BECOME password: /);
    assert.ok(!seen.includes('s3cret'));
  });
});
