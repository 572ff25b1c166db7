/** The install lifecycle's pure parts: the state file, the per-host menus from state, the flip, the install files. */
import assert from 'node:assert/strict';
import {spawnSync} from 'node:child_process';
import {readFileSync} from 'node:fs';
import {describe, it} from 'node:test';
import {splitHostsAndInventory} from '../../src/cli/machines.js';
import {loadPlaybook} from '../../src/config/playbook.js';
import {renderTemplateFile} from '../../src/config/template.js';
import {hostMenus, type Reservation} from '../../src/lifecycle/menus.js';
import {parseBuildState, serializeBuildState, type BuildState} from '../../src/lifecycle/state.js';

const TOKEN = '0123456789abcdef'.repeat(2);
const where = {host: 'pxe1', file: '/var/lib/pxeprov/hosts/node01'};

describe('build state file', () => {
  const good: [string, BuildState][] = [
    ['state=local\n', {mode: 'local'}],
    [
      `state=build\nsince=2026-12-03T07:30:00Z\ntoken=${TOKEN}\n`,
      {mode: 'build', since: '2026-12-03T07:30:00Z', token: TOKEN},
    ],
    [
      'state=local\nsince=2026-12-03T07:30:00Z\ndone=2026-12-03T07:41:09Z\n',
      {mode: 'local', since: '2026-12-03T07:30:00Z', done: '2026-12-03T07:41:09Z'},
    ],
  ];
  for (const [text, state] of good) {
    it(`reads ${JSON.stringify(text)} and writes it back the same`, () => {
      assert.deepEqual(parseBuildState(text, where), state);
      assert.equal(serializeBuildState(state), text);
    });
  }
  const bad: [string, RegExp][] = [
    ['', /state is ''/],
    ['state=installing\n', /state is 'installing'/],
    ['state=build\n', /build mode without a token/],
    [`state=build\ntoken=${TOKEN.slice(2)}\n`, /token is malformed/],
    ['state=local\ndone=yesterday\n', /done 'yesterday' is not a UTC time/],
    ['state=local\nstate=build\n', /state is given twice/],
    ['# edited\nstate=local\n', /unexpected line '# edited'/],
  ];
  for (const [text, message] of bad) {
    it(`refuses ${JSON.stringify(text)} (never read as local)`, () => {
      assert.throws(
        () => parseBuildState(text, where),
        (e: Error & {code?: string}) =>
          e.code === 'E_REMOTE' && message.test(e.message) && e.message.includes(where.file),
      );
    });
  }
});

describe('per-host menus from the state', () => {
  const hosts: Reservation[] = [
    {name: 'node01', mac: '52:54:00:AA:00:01', profile: 'ks'},
    {name: 'node02', mac: '52:54:00:aa:00:02', profiles: ['rocky', 'ks']},
    {name: 'node03', mac: '52:54:00:aa:00:03', profiles: ['rocky', 'ks'], profile: 'ks'},
    {name: 'kiosk', mac: '52:54:00:aa:00:04', profile: 'ks', install: 'always'},
    {name: 'plain', mac: '52:54:00:aa:00:05'},
  ];
  const build: BuildState = {mode: 'build', since: '2026-12-03T07:30:00Z', token: TOKEN};
  const cases: [string, Map<string, BuildState | undefined>, Record<string, [string, string | undefined]>][] = [
    [
      'never installed: local, no callback',
      new Map(),
      {
        node01: ['local', undefined],
        node02: ['local', undefined],
        node03: ['local', undefined],
        kiosk: ['ks', undefined],
      },
    ],
    [
      'build mode: the profile, the callback with the token',
      new Map([
        ['node01', build],
        ['node02', build],
        ['kiosk', build],
      ]),
      {
        node01: ['ks', `http://s/pxeprov/done/node01/${TOKEN}`],
        node02: ['rocky', `http://s/pxeprov/done/node02/${TOKEN}`],
        node03: ['local', undefined],
        kiosk: ['ks', undefined],
      },
    ],
    [
      'done: local again',
      new Map([['node01', {mode: 'local', done: '2026-12-03T07:41:09Z'} as BuildState]]),
      {
        node01: ['local', undefined],
        node02: ['local', undefined],
        node03: ['local', undefined],
        kiosk: ['ks', undefined],
      },
    ],
  ];
  for (const [what, states, expected] of cases) {
    it(what, () => {
      const menus = hostMenus(hosts, states, 'http://s/pxeprov/done');
      assert.deepEqual(
        Object.fromEntries(menus.map((m) => [m.name, [m.default, m.done_url]])),
        expected,
        'a host without profile has no menu of its own',
      );
    });
  }
  it('names its files by MAC and lists its profiles with its build default', () => {
    const [node01, node02, node03] = hostMenus(hosts, new Map(), 'http://s/pxeprov/done');
    assert.equal(node01!.file, '01-52-54-00-aa-00-01');
    assert.deepEqual([node02!.profiles, node02!.profile, node03!.profile], [['rocky', 'ks'], 'rocky', 'ks']);
  });
});

describe('the callback turns a build menu into the one the templates render for a local host', () => {
  const play = loadPlaybook('playbooks/pxe-server.yaml').plays[0]!;
  const defaults = Object.assign({}, ...play.roles.map((r) => r.defaults));
  const vars = {
    ...defaults,
    pxe_iface: 'eth1',
    pxe_ip: '192.168.1.20',
    pxe_subnet: '192.168.1.0/24',
    memtest_file: {stat: {exists: true}},
    media_isos: [
      {name: 'c7', iso: 'c7.iso'},
      {name: 'noble', iso: 'noble.iso'},
      {name: 'deb', iso: 'deb.iso'},
    ],
    pxe_profiles: [
      {name: 'ks', media: 'c7'},
      {name: 'noble', media: 'noble', kind: 'autoinstall'},
      {name: 'deb', media: 'deb', kind: 'preseed'},
      {name: 'live', media: 'c7', kind: 'manual'},
    ],
  };
  // The script's own sed expressions, as the server runs them.
  const script = readFileSync('roles/http/templates/build-done.sh.j2', 'utf8');
  const sed = /^ {2}if sed (.*) "\$1" >"\$tmp" &&$/m.exec(script)![1]!;
  const flip = (menu: string) => spawnSync('sh', ['-c', `sed ${sed}`], {input: menu, encoding: 'utf8'}).stdout;
  for (const template of ['pxelinux.cfg.j2', 'grub.cfg.j2', 'boot.ipxe.j2']) {
    for (const host of [
      {name: 'node01', mac: '52:54:00:aa:00:01', profile: 'ks'},
      {name: 'node02', mac: '52:54:00:aa:00:02', profiles: ['deb', 'noble', 'ks', 'live']},
    ] as Reservation[]) {
      it(`${template}, ${host.name}`, async () => {
        const render = (state?: BuildState) =>
          renderTemplateFile(`roles/syslinux/templates/${template}`, {
            ...vars,
            host: hostMenus([host], new Map([[host.name, state]]), 'http://192.168.1.20/pxeprov/done')[0],
          });
        const [building, local] = [
          await render({mode: 'build', since: '2026-12-03T07:30:00Z', token: TOKEN}),
          await render(),
        ];
        assert.notEqual(building, local);
        assert.equal(flip(building), local);
      });
    }
  }
});

describe('GRUB reads grub.cfg only: the shared menu switches a machine to its own', () => {
  const play = loadPlaybook('playbooks/pxe-server.yaml').plays[0]!;
  const vars = {
    ...Object.assign({}, ...play.roles.map((r) => r.defaults)),
    pxe_iface: 'e',
    pxe_ip: '192.168.1.20',
    pxe_subnet: '192.168.1.0/24',
    pxe_profiles: [{name: 'ks', media: 'm'}],
    dhcp_hosts: [
      {name: 'a', mac: '52:54:00:AA:00:01', profile: 'ks'},
      {name: 'b', mac: '52-54-00-aa-00-02'},
      {name: 'c', mac: '52:54:00:aa:00:03', profiles: ['ks']},
    ],
  };
  it("the shared menu sends each machine with its own menu there, by MAC; a host's own menu does not", async () => {
    const shared = await renderTemplateFile('roles/syslinux/templates/grub.cfg.j2', {...vars, host: null});
    assert.deepEqual(
      [
        ...shared.matchAll(
          /^if \[ "\$net_default_mac" = "(\S+)" \]; then\n {2}configfile "\$prefix\/grub\.cfg-(\S+)"\nfi$/gm,
        ),
      ].map((m) => [m[1], m[2]]),
      [
        ['52:54:00:aa:00:01', '01-52-54-00-aa-00-01'],
        ['52:54:00:aa:00:03', '01-52-54-00-aa-00-03'],
      ],
    );
    const own = await renderTemplateFile('roles/syslinux/templates/grub.cfg.j2', {
      ...vars,
      host: hostMenus(vars.dhcp_hosts as Reservation[], new Map(), 'u')[0],
    });
    assert.doesNotMatch(own, /configfile/);
  });
});

describe('install files call back and reboot, unless the profile opts out', () => {
  const play = loadPlaybook('playbooks/pxe-server.yaml').plays[0]!;
  const defaults = Object.assign({}, ...play.roles.map((r) => r.defaults));
  const render = (template: string, profile: Record<string, unknown>) =>
    renderTemplateFile(`roles/kickstart/templates/${template}`, {
      ...defaults,
      pxe_iface: 'eth1',
      pxe_ip: '192.168.1.20',
      pxe_subnet: '192.168.1.0/24',
      ks_root_password: 'x',
      pxe_profiles: [{name: 'p', media: 'm', ...profile}],
      host: null,
      profile: 'p',
    });
  const callback =
    /url=\$\(sed -n 's\/\.\*pxeprov\\\.done=\\\(\[\^ \]\*\\\)\.\*\/\\1\/p' \/proc\/cmdline\); if \[ -n "\$url" \]; then if command -v curl/;
  it('kickstart: %post --nochroot calls back; reboot (none with reboot: false)', async () => {
    const ks = await render('ks.cfg.j2', {});
    assert.match(ks, new RegExp(`%post --nochroot\\n${callback.source}.*\\n%end\\n$`));
    assert.match(ks, /^reboot$/m);
    assert.doesNotMatch(await render('ks.cfg.j2', {reboot: false}), /^reboot$/m);
  });
  it('preseed: late_command calls back; finish-install reboots (halt with reboot: false)', async () => {
    const preseed = await render('preseed.cfg.j2', {kind: 'preseed'});
    assert.match(preseed, new RegExp(`^d-i preseed/late_command string ${callback.source}`, 'm'));
    assert.match(preseed, /^d-i finish-install\/reboot_in_progress note$/m);
    const halt = await render('preseed.cfg.j2', {kind: 'preseed', reboot: false});
    assert.match(halt, /^d-i debian-installer\/exit\/halt boolean true$/m);
    assert.doesNotMatch(halt, /reboot_in_progress/);
  });
  it('autoinstall: late-commands call back; shutdown: reboot (poweroff with reboot: false)', async () => {
    const {parse} = await import('yaml');
    const data = parse(await render('user-data.j2', {kind: 'autoinstall'})) as {
      autoinstall: {'late-commands': string[]; shutdown: string};
    };
    assert.match(data.autoinstall['late-commands'][0]!, callback);
    assert.equal(data.autoinstall.shutdown, 'reboot');
    assert.equal(
      (parse(await render('user-data.j2', {kind: 'autoinstall', reboot: false})) as typeof data).autoinstall.shutdown,
      'poweroff',
    );
  });
});

describe('pxeprov install HOST... [INVENTORY]', () => {
  const cases: [string[], string | undefined, {hosts: string[]; inventory?: string}][] = [
    [['node01'], undefined, {hosts: ['node01']}],
    [['node01', 'package.json'], undefined, {hosts: ['node01'], inventory: 'package.json'}],
    [['node01', 'node02'], undefined, {hosts: ['node01', 'node02']}],
    [['node01', 'package.json'], 'inv.yaml', {hosts: ['node01', 'package.json']}],
  ];
  for (const [argv, flag, expected] of cases) {
    it(`${argv.join(' ')}${flag ? ` -i ${flag}` : ''}`, () =>
      assert.deepEqual(splitHostsAndInventory(argv, flag, 'install'), expected));
  }
  it('no host, or a flag where a host goes, is a usage error', () => {
    assert.throws(() => splitHostsAndInventory([], undefined, 'install'), /no host given/);
    assert.throws(() => splitHostsAndInventory(['node01', '--rebot'], undefined, 'power'), /unknown flag --rebot/);
  });
});

describe('pxeprov hosts: the server records (recorded samples)', async () => {
  const {hostRows} = await import('../../src/lifecycle/hosts.js');
  const {parseAccessLog, parseJournal, parseLeases} = await import('../../src/lifecycle/logs.js');
  const leases = `# The format of this file is documented in the dhcpd.leases(5) manual page.
# This lease file was written by isc-dhcp-4.4.3-P1

# authoring-byte-order entry is generated, DO NOT DELETE
authoring-byte-order little-endian;

lease 192.168.77.100 {
  starts 4 2026/12/03 07:29:58;
  ends 4 2026/12/03 07:39:58;
  cltt 4 2026/12/03 07:29:58;
  binding state active;
  next binding state free;
  rewind binding state free;
  hardware ethernet 52:54:00:aa:00:02;
  uid "\\001RT\\000\\252\\000\\002";
  client-hostname "node02";
}
lease 192.168.77.101 {
  starts 4 2026/12/03 06:00:00;
  ends 4 2026/12/03 06:10:00;
  binding state free;
}
lease 192.168.77.100 {
  starts 4 2026/12/03 07:35:10;
  ends 4 2026/12/03 07:45:10;
  binding state active;
  hardware ethernet 52:54:00:AA:00:02;
}
`;
  const journal = `2026-12-03T07:30:01+0000 lab dhcpd[311]: DHCPDISCOVER from 52:54:00:aa:00:01 via pxe0
2026-12-03T07:30:02+0000 lab dhcpd[311]: DHCPACK on 192.168.77.51 to 52:54:00:aa:00:01 via pxe0
2026-12-03T07:30:03+0000 lab in.tftpd[402]: RRQ from 192.168.77.51 filename pxelinux.0
2026-12-03T07:30:04+0000 lab in.tftpd[403]: RRQ from 192.168.77.51 filename pxelinux.cfg/01-52-54-00-aa-00-01
2026-12-03T07:30:06+00:00 lab in.tftpd[404]: RRQ from ::ffff:192.168.77.51 filename /testos/vmlinuz
2026-12-03T07:30:07+0000 lab in.tftpd[405]: tftp: client does not accept options
-- Boot 5d1e… --
`;
  const access = `192.168.77.51 - - [03/Dec/2026:07:30:09 +0000] "GET /ks/hosts/node01.cfg HTTP/1.1" 200 1721 "-" "Wget"
192.168.77.100 - - [03/Dec/2026:07:35:12 +0000] "GET /ks/hosts/node02.cfg HTTP/1.1" 404 153 "-" "curl/7.29.0"
192.168.77.100 - - [03/Dec/2026:08:35:12 +0100] "GET /testos/images/pxeboot/initrd.img HTTP/1.1" 200 9 "-" "curl/7.29.0"
192.168.77.230 - - [03/Dec/2026:07:50:00 +0000] "GET /tftp/ipxe/01-52-54-00-aa-00-04.ipxe HTTP/1.1" 200 790 "-" "iPXE/1.0.0+git-20190125.36a4c85-5.1"
not a log line
`;
  it('the lease file: the last lease of each MAC, in UTC; a free lease has no client', () => {
    assert.deepEqual(parseLeases(leases, '/var/lib/dhcp/dhcpd.leases'), [
      {mac: '52:54:00:aa:00:02', ip: '192.168.77.100', at: '2026-12-03T07:29:58Z'},
      {mac: '52:54:00:aa:00:02', ip: '192.168.77.100', at: '2026-12-03T07:35:10Z'},
    ]);
    assert.throws(
      () => parseLeases('lease 1.2.3.4 {\n  hardware ethernet 52:54:00:aa:00:02;\n}\n', 'f'),
      /no start time/,
    );
  });
  it('the journal: DHCPACK and tftpd requests, both offset forms', () => {
    const parsed = parseJournal(journal);
    assert.deepEqual(parsed.leases, [{mac: '52:54:00:aa:00:01', ip: '192.168.77.51', at: '2026-12-03T07:30:02Z'}]);
    assert.deepEqual(
      parsed.fetches.map((f) => [f.ip, f.path, f.at]),
      [
        ['192.168.77.51', 'pxelinux.0', '2026-12-03T07:30:03Z'],
        ['192.168.77.51', 'pxelinux.cfg/01-52-54-00-aa-00-01', '2026-12-03T07:30:04Z'],
        ['192.168.77.51', 'testos/vmlinuz', '2026-12-03T07:30:06Z'],
      ],
    );
  });
  it("nginx's access log: answered GETs, in UTC", () => {
    assert.deepEqual(
      parseAccessLog(access).map((f) => [f.ip, f.path, f.at]),
      [
        ['192.168.77.51', 'ks/hosts/node01.cfg', '2026-12-03T07:30:09Z'],
        ['192.168.77.100', 'testos/images/pxeboot/initrd.img', '2026-12-03T07:35:12Z'],
        ['192.168.77.230', 'tftp/ipxe/01-52-54-00-aa-00-04.ipxe', '2026-12-03T07:50:00Z'],
      ],
    );
  });
  it('rows: build, installing once it fetched something after the build started, done, always, shared', () => {
    const reservations: Reservation[] = [
      {name: 'node01', mac: '52:54:00:aa:00:01', ip: '192.168.77.51', profile: 'ks'},
      {name: 'node02', mac: '52:54:00:aa:00:02', profiles: ['ks', 'manual']},
      {name: 'node03', mac: '52:54:00:aa:00:03', profile: 'ks'},
      {name: 'node04', mac: '52:54:00:aa:00:04', profile: 'ks'},
      {name: 'kiosk', mac: '52:54:00:aa:00:05', profile: 'ks', install: 'always'},
      {name: 'printer', mac: '52:54:00:aa:00:06'},
    ];
    const fromJournal = parseJournal(journal);
    const records = {
      states: new Map<string, BuildState | undefined>([
        ['node01', {mode: 'build', since: '2026-12-03T07:30:00Z', token: TOKEN}],
        ['node02', {mode: 'build', since: '2026-12-03T07:40:00Z', token: TOKEN}],
        ['node03', {mode: 'local', since: '2026-12-03T07:00:00Z', done: '2026-12-03T07:20:00Z'}],
      ]),
      leases: [...parseLeases(leases, 'f'), ...fromJournal.leases],
      fetches: [...fromJournal.fetches, ...parseAccessLog(access)],
    };
    const rows = hostRows('lab', reservations, records);
    assert.deepEqual(
      rows.map((r) => [r.name, r.state, r.at, r.ip, r.profile]),
      [
        ['node01', 'installing', '2026-12-03T07:30:00Z', '192.168.77.51', 'ks'],
        ['node02', 'build', '2026-12-03T07:40:00Z', '192.168.77.100', 'ks'],
        ['node03', 'done', '2026-12-03T07:20:00Z', undefined, 'ks'],
        ['node04', 'local', undefined, undefined, 'ks'],
        ['kiosk', 'always', undefined, undefined, 'ks'],
        ['printer', 'shared', undefined, undefined, undefined],
      ],
    );
    assert.deepEqual(
      [rows[0]!.lastLease?.at, rows[0]!.lastBootFile?.path, rows[0]!.lastInstallFile?.path],
      ['2026-12-03T07:30:02Z', 'testos/vmlinuz', 'ks/hosts/node01.cfg'],
    );
    assert.deepEqual(
      [rows[1]!.lastLease?.at, rows[1]!.lastBootFile?.path, rows[1]!.lastInstallFile],
      ['2026-12-03T07:35:10Z', 'testos/images/pxeboot/initrd.img', undefined],
      'a 404 is no fetch',
    );
    assert.equal(
      rows[3]!.lastBootFile?.path,
      'tftp/ipxe/01-52-54-00-aa-00-04.ipxe',
      'its own iPXE script over HTTP names it, whatever address it had (another DHCP server gave it)',
    );
  });
});
