/**
 * Connection variables: what a usable value is (data), warnings for ansible_* variables pxeprov does not
 * read (YAML, INI, group_vars, with file:line), and the documented table of honoured variables kept in step.
 */
import assert from 'node:assert/strict';
import {mkdirSync, mkdtempSync, readFileSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {describe, it} from 'node:test';
import {loadInventory} from '../../src/config/inventory.js';
import {errorsOf, PxeError} from '../../src/errors.js';
import {renderConnectionVars} from '../../src/config/connection-vars.js';
import {connectionSpecFromVars} from '../../src/transport/spec.js';
import {ANSIBLE_VARS, connectionVarProblem} from '../../src/transport/vars.js';

describe('connection variable values', () => {
  const cases: Array<[string, unknown, RegExp | undefined]> = [
    ['ansible_port', 22, undefined],
    ['ansible_port', '2222', undefined],
    ['ansible_port', 'seventy', /must be a port number, got "seventy"/],
    ['ansible_port', 0, /port number/],
    ['ansible_port', 70000, /port number/],
    ['ansible_port', '23x98', /port number/],
    ['ansible_port', 22.5, /port number/],
    ['ansible_ssh_port', -1, /port number/],
    ['ansible_host', '10.0.0.1\u0000evil', /control character \(U\+0000\)/],
    ['ansible_user', 'admin\nroot', /control character \(U\+000A\)/],
    ['ansible_port', '22\u0000', /control character/],
    ['ansible_host', 'pxe1.lab.example', undefined],
    ['ansible_ssh_common_args', '-o A=b\n -o C=d', undefined],
    ['ansible_connection', 'local', undefined],
    ['ansible_connection', 'ssh', undefined],
    ['ansible_connection', 'paramiko', undefined],
    ['ansible_connection', 'smart', undefined],
    ['ansible_connection', 'winrm', /ansible_connection "winrm" is not supported/],
    ['ansible_connection', 'docker', /not supported/],
    ['ansible_become_method', 'su', undefined],
    ['ansible_become_method', 'sudo', undefined],
    ['ansible_become_method', 'doas', /ansible_become_method "doas" is not supported/],
    ['ansible_become', 'maybe', /true or false/],
    ['ansible_become', 'yes', undefined],
    ['pxeprov_agent_timeout', '0', /positive number of seconds/],
    ['pxeprov_agent_timeout', 30, undefined],
    ['ansible_timeout', 'soon', /positive number/],
    ['ansible_host', '{{ inventory_hostname }}.lab', /template/],
    ['ansible_host', ['a', 'b'], /single value, not a list/],
    ['pxe_ip', '{{ x }}', undefined],
    ['ansible_foo', 'bar', undefined],
  ];
  for (const [name, value, want] of cases) {
    it(`${name}: ${JSON.stringify(value)} ${want ? 'is refused' : 'is usable'}`, () => {
      const problem = connectionVarProblem(name, value);
      if (want === undefined) assert.equal(problem, undefined);
      else {
        assert.match(problem?.message ?? '', want);
        assert.ok(problem!.expected);
      }
    });
  }

  it('never shows a password, even a bad one', () => {
    for (const value of ['pw\u0000x', '{{ secret_pw }}', 'line\nbreak']) {
      const problem = connectionVarProblem('ansible_become_password', value)!;
      assert.ok(problem, value);
      assert.ok(
        !`${problem.message} ${problem.hint ?? ''}`.includes(value.slice(0, 2) === '{{' ? 'secret_pw' : value),
        problem.message,
      );
    }
  });

  it("renders templates with the host's variables before connecting, as Ansible does", () => {
    const vars = {
      ansible_host: '{{ inventory_hostname_short }}.lab',
      ansible_port: '{{ base_port + 1 }}',
      base_port: 2221,
      vault_sudo: 's3cret',
      ansible_become_password: '{{ vault_sudo }}',
      pxe_note: '{{ undefined_elsewhere }}',
    };
    const rendered = renderConnectionVars('pxe1.site', vars);
    assert.deepEqual(connectionSpecFromVars('pxe1.site', rendered), {
      name: 'pxe1.site',
      host: 'pxe1.lab',
      port: 2222,
      becomePassword: 's3cret',
    });
    assert.equal(rendered.pxe_note, '{{ undefined_elsewhere }}', 'only connection variables are rendered here');
  });

  it('a template naming a missing variable: the host and the connection variable, never a value', () => {
    assert.throws(
      () => renderConnectionVars('pxe1', {ansible_become_password: '{{ vault_sudo }}', vault_other: 'hunter2'}),
      (e: unknown) =>
        e instanceof PxeError &&
        e.code === 'E_CONNECTION_VAR' &&
        e.where.host === 'pxe1' &&
        /^ansible_become_password: 'vault_sudo' is undefined/.test(e.message) &&
        !JSON.stringify(e).includes('hunter2'),
    );
  });

  it('an unrendered template never reaches the transport', () => {
    assert.throws(
      () => connectionSpecFromVars('pxe1', {ansible_become_password: '{{ vault_sudo }}'}),
      (e: unknown) => e instanceof PxeError && /not rendered/.test(e.message) && !e.message.includes('vault_sudo'),
    );
  });

  it('checks again at run time (variables from -e), naming the host', () => {
    assert.throws(
      () => connectionSpecFromVars('pxe1', {ansible_connection: 'winrm'}),
      (e: unknown) =>
        e instanceof PxeError && e.code === 'E_CONNECTION_VAR' && e.where.host === 'pxe1' && /winrm/.test(e.message),
    );
  });

  it('maps the connection type, become method, aliases and timeouts', () => {
    assert.deepEqual(
      connectionSpecFromVars('pxe1', {
        ansible_connection: 'paramiko',
        ansible_ssh_host: '10.0.0.2',
        ansible_ssh_port: 2200,
        ansible_ssh_user: 'ops',
        ansible_ssh_password: 'pw',
        ansible_private_key_file: '/k',
        ansible_become_method: 'su',
        ansible_timeout: 20,
        pxeprov_agent_timeout: 45,
        ansible_host_key_checking: false,
        ansible_ssh_extra_args: '-o GlobalKnownHostsFile=/g -o StrictHostKeyChecking=accept-new',
      }),
      {
        name: 'pxe1',
        connection: 'ssh',
        host: '10.0.0.2',
        port: 2200,
        user: 'ops',
        password: 'pw',
        privateKeyFile: '/k',
        globalKnownHostsFile: '/g',
        hostKeyChecking: false,
        becomeMethod: 'su',
        connectTimeout: 20,
        agentTimeout: 45,
      },
    );
    assert.equal(connectionSpecFromVars('here', {ansible_connection: 'local'}).connection, 'local');
  });
});

describe('ansible_* variables pxeprov does not read', () => {
  it('are reported with file:line from YAML, INI and group_vars, and honoured ones are not', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pxeprov-vars-'));
    mkdirSync(join(dir, 'group_vars'));
    writeFileSync(
      join(dir, 'inventory.yaml'),
      'all:\n  vars:\n    ansible_user: admin\n    ansible_shell_type: csh\n    ansible_ssh_common_args: -o ControlMaster=auto -o StrictHostKeyChecking=no -C\n  hosts:\n    pxe1:\n      ansible_python_interpreter: /usr/bin/python3\n      ansible_become_exe: /usr/local/bin/sudo\n',
    );
    writeFileSync(join(dir, 'group_vars', 'all.yaml'), 'ntp: pool.example\nansible_ssh_executable: /opt/ssh\n');
    const yaml = loadInventory(join(dir, 'inventory.yaml'));
    assert.deepEqual(
      yaml.warnings.map((w) => w.replace(`${dir}/`, '').replace(/ \(it has no effect\).*$/, '')),
      [
        "inventory.yaml:4:5: group 'all': ansible_shell_type is not used by pxeprov",
        "inventory.yaml:5:5: group 'all': ansible_ssh_common_args: -o ControlMaster=auto, -C not used by pxeprov (no effect)",
        "inventory.yaml:9:7: host 'pxe1': ansible_become_exe is not used by pxeprov",
        "group_vars/all.yaml:2:1: group 'all': ansible_ssh_executable is not used by pxeprov",
      ],
    );
    writeFileSync(
      join(dir, 'hosts.ini'),
      '[pxe]\npxe1 ansible_host=10.0.0.1 ansible_ssh_retries=3\n\n[pxe:vars]\nansible_pipelining=true\n',
    );
    const ini = loadInventory(join(dir, 'hosts.ini'));
    assert.deepEqual(
      ini.warnings.map((w) => w.replace(`${dir}/`, '').replace(/ \(it has no effect\).*$/, '')),
      [
        "hosts.ini:2:28: host 'pxe1': ansible_ssh_retries is not used by pxeprov",
        "hosts.ini:5:1: group 'pxe': ansible_pipelining is not used by pxeprov",
        "group_vars/all.yaml:2:1: group 'all': ansible_ssh_executable is not used by pxeprov",
      ],
    );
  });
});

describe('connection variable errors at validate', () => {
  it('name the host (or the group), the variable and what is supported', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pxeprov-vars-'));
    writeFileSync(
      join(dir, 'inventory.yaml'),
      'pxe:\n  vars:\n    ansible_become_method: runas\n  hosts:\n    pxe1:\n      ansible_connection: winrm\n',
    );
    const errors = (() => {
      try {
        loadInventory(join(dir, 'inventory.yaml'));
        return [];
      } catch (e) {
        return errorsOf(e) ?? [];
      }
    })();
    assert.deepEqual(
      errors.map((e) => [e.code, e.where.line, e.where.host, e.message, e.expected]),
      [
        [
          'E_CONNECTION_VAR',
          3,
          undefined,
          `group 'pxe': ansible_become_method "runas" is not supported`,
          'one of: sudo, su',
        ],
        [
          'E_CONNECTION_VAR',
          6,
          'pxe1',
          'ansible_connection "winrm" is not supported',
          'one of: ssh, paramiko, smart, local',
        ],
      ],
    );
  });
});

describe('docs/connection.md', () => {
  const page = readFileSync('docs/connection.md', 'utf8');
  it('has a row for every honoured ansible_* variable, and no row for one that is not', () => {
    const firstCells = [...page.matchAll(/^\| (`ansible_[^|]*)\|/gm)].map((m) => m[1]!);
    const documented = firstCells.flatMap((cell) => [...cell.matchAll(/`(ansible_[a-z_]+)`/g)].map((m) => m[1]!));
    assert.deepEqual([...new Set(documented)].sort(), [...ANSIBLE_VARS].sort());
  });
});
