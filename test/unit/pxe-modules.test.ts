import assert from 'node:assert/strict';
import {execFileSync} from 'node:child_process';
import {join} from 'node:path';
import {stringify} from 'yaml';
import {describe, it} from 'node:test';
import type {PxeError} from '../../src/errors.js';
import {planBootFiles} from '../../src/resources/bootloader.js';
import {checkerMessage, templateLineOf} from '../../src/resources/config-check.js';
import {parseDiscover, scanProblem, servedInterfaces} from '../../src/resources/dhcp-guard.js';
import {manifestDelta, type Manifest} from '../../src/resources/media/iso.js';
import {repairPlan, treeDrift, type TreeRecord} from '../../src/resources/media/drift.js';
import {ifupdown, netplan, networkManager, nmUnmanagedFile} from '../../src/resources/network/backends.js';
import {chooseBackend, interfacesWithSource, parseIpAddr} from '../../src/resources/network/index.js';
import type {Facts, StatResult, TreeEntry} from '../../src/transport/types.js';

const want = {iface: 'eth1', address: '192.168.1.20/24', gateway: '192.168.1.1', dns: ['192.168.1.1', '9.9.9.9']};

describe('network backends', () => {
  it('netplan: a 0600 file for the interface, dhcp off', () => {
    const [file] = netplan.files(want);
    assert.equal(file!.path, '/etc/netplan/60-pxeprov-eth1.yaml');
    assert.equal(file!.mode, 0o600);
    assert.match(
      file!.content,
      /eth1:\n\s+dhcp4: false\n\s+dhcp6: false\n\s+addresses:\n\s+- 192\.168\.1\.20\/24\n\s+routes:\n\s+- to: default\n\s+via: 192\.168\.1\.1/,
    );
    assert.deepEqual(netplan.activate(want), [
      ['netplan', 'generate'],
      ['netplan', 'apply'],
    ]);
  });
  // Written without the yaml library for names and addresses, with it for anything it would quote: the
  // same bytes either way (a server converged before must not see a change).
  for (const other of [
    {},
    {gateway: undefined, dns: []},
    {iface: 'enp0s31f6.100', address: '10.0.0.2/8', gateway: undefined, dns: ['fe80::1', '2001:db8::53']},
    {iface: 'br-pxe_0', dns: ['1.1.1.1']},
    {iface: 'yes'},
    {iface: '123'},
    {dns: ['1e3', 'dns #1']},
    {gateway: 'gw: x'},
  ]) {
    it(`netplan: the document yaml.stringify writes for ${JSON.stringify(other)}`, () => {
      const w = {...want, ...other};
      const expected = stringify({
        network: {
          version: 2,
          ethernets: {
            [w.iface]: {
              dhcp4: false,
              dhcp6: false,
              addresses: [w.address],
              ...(w.gateway ? {routes: [{to: 'default', via: w.gateway}]} : {}),
              ...(w.dns.length ? {nameservers: {addresses: w.dns}} : {}),
            },
          },
        },
      });
      assert.equal(
        netplan.files(w)[0]!.content,
        '# Managed by pxeprov: the static address of the PXE interface.\n' + expected,
      );
    });
  }
  it('netplan: names and addresses are written without loading the yaml library', () => {
    const script = `
      import {createRequire} from 'node:module';
      import {netplan} from ${JSON.stringify(join(import.meta.dirname, '../../src/resources/network/backends.ts'))};
      netplan.files(${JSON.stringify(want)});
      console.log(Object.keys(createRequire(import.meta.url).cache).some((path) => path.includes('/node_modules/yaml/')));`;
    assert.equal(
      execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
        encoding: 'utf8',
      }).trim(),
      'false',
    );
  });
  it('ifupdown: a stanza in interfaces.d', () => {
    const [file] = ifupdown.files({...want, gateway: undefined, dns: []});
    assert.equal(file!.path, '/etc/network/interfaces.d/pxeprov-eth1');
    assert.equal(
      file!.content,
      '# Managed by pxeprov: the static address of the PXE interface.\nauto eth1\niface eth1 inet static\n    address 192.168.1.20/24\n',
    );
    assert.deepEqual(ifupdown.activate(want), [
      ['ifdown', '--force', 'eth1'],
      ['ifup', 'eth1'],
    ]);
  });
  it('NetworkManager: a keyfile profile, brought up by name', () => {
    const [file] = networkManager.files(want);
    assert.equal(file!.path, '/etc/NetworkManager/system-connections/pxeprov-eth1.nmconnection');
    assert.match(
      file!.content,
      /\[ipv4\]\nmethod=manual\naddress1=192\.168\.1\.20\/24,192\.168\.1\.1\ndns=192\.168\.1\.1;9\.9\.9\.9;/,
    );
    assert.deepEqual(networkManager.activate(want).at(-1), ['nmcli', 'connection', 'up', 'pxeprov-eth1']);
  });
  it('NetworkManager leaves an ifupdown interface alone', () => {
    assert.match(
      nmUnmanagedFile('eth1').content,
      /^unmanaged-devices\+=interface-name:eth1$/m,
      "appended, not replacing other files' list",
    );
  });
  it('adds the interfaces.d source line once, refuses a stanza of the main file', () => {
    assert.equal(
      interfacesWithSource('auto lo\niface lo inet loopback\n', 'eth1'),
      'auto lo\niface lo inet loopback\nsource /etc/network/interfaces.d/*\n',
    );
    assert.equal(
      interfacesWithSource('source-directory /etc/network/interfaces.d\n', 'eth1'),
      'source-directory /etc/network/interfaces.d\n',
    );
    assert.equal(interfacesWithSource(null, 'eth1'), 'source /etc/network/interfaces.d/*\n');
    assert.throws(() => interfacesWithSource('iface eth1 inet dhcp\n', 'eth1'), /already configures eth1/);
  });
  it('parses ip addr output', () => {
    assert.deepEqual(
      parseIpAddr(
        '3: eth1    inet 192.168.1.20/24 brd 192.168.1.255 scope global eth1\\       valid_lft forever\n3: eth1    inet 10.0.0.1/8 scope global eth1\n',
      ),
      ['192.168.1.20/24', '10.0.0.1/8'],
    );
  });
  const facts = (manager: Facts['interfaces'][number]['manager']) =>
    ({interfaces: [{name: 'eth1', ipv4: [], ipv6: [], up: true, manager}]}) as unknown as Facts;
  const tools = (netplanTool: boolean, ifup: boolean, nm: boolean) => ({
    netplan: netplanTool,
    ifupdown: ifup,
    NetworkManager: nm,
  });
  const cases: [string, string, Parameters<typeof chooseBackend>[1], string][] = [
    [
      'the owner wins',
      'auto',
      {facts: facts('NetworkManager'), tools: tools(true, true, true), nmRunning: true},
      'NetworkManager',
    ],
    [
      'netplan when nothing owns it',
      'auto',
      {facts: facts('none'), tools: tools(true, true, false), nmRunning: false},
      'netplan',
    ],
    [
      'NetworkManager when it runs',
      'auto',
      {facts: facts('none'), tools: tools(false, true, true), nmRunning: true},
      'NetworkManager',
    ],
    [
      'ifupdown otherwise',
      'auto',
      {facts: facts('none'), tools: tools(false, true, true), nmRunning: false},
      'ifupdown',
    ],
    [
      'an explicit backend',
      'ifupdown',
      {facts: facts('netplan'), tools: tools(true, false, false), nmRunning: false},
      'ifupdown',
    ],
  ];
  for (const [name, backend, observed, expected] of cases) {
    it(`backend: ${name}`, () =>
      assert.equal(
        chooseBackend({iface: 'eth1', address: '1.2.3.4/24', backend: backend as 'auto'}, observed),
        expected,
      ));
  }
  it('no backend at all is a clear error', () => {
    assert.throws(
      () =>
        chooseBackend(
          {iface: 'eth1', address: '1.2.3.4/24'},
          {facts: facts('none'), tools: tools(false, false, false), nmRunning: false},
        ),
      (e: PxeError) => /no netplan/.test(e.message) && /install ifupdown/.test(e.hint!),
    );
  });
});

describe('bootloader', () => {
  const file = (path: string, sha256: string): [string, StatResult] => [path, {path, kind: 'file', sha256}];
  const stats = new Map([
    file('/usr/lib/PXELINUX/pxelinux.0', 'aa'),
    file('/usr/lib/syslinux/modules/bios/ldlinux.c32', 'bb'),
    file('/tftp/ldlinux.c32', 'bb'),
  ]);
  it('copies what differs from the first existing candidate', () => {
    const {copies} = planBootFiles({dest: '/tftp', files: ['pxelinux.0', 'ldlinux.c32']}, stats, false);
    assert.deepEqual(copies, [{from: '/usr/lib/PXELINUX/pxelinux.0', to: '/tftp/pxelinux.0', name: 'pxelinux.0'}]);
  });
  it('skips an optional file the host lacks, fails for a required one (but not in check mode)', () => {
    assert.deepEqual(
      planBootFiles({dest: '/tftp', files: [{name: 'memtest', optional: true}]}, stats, false).copies,
      [],
    );
    assert.throws(
      () => planBootFiles({dest: '/tftp', files: ['syslinux.efi']}, stats, false),
      (e: PxeError) => /not on the host/.test(e.message) && /install the package/.test(e.hint!),
    );
    assert.deepEqual(planBootFiles({dest: '/tftp', files: ['syslinux.efi']}, stats, true).pending, ['syslinux.efi']);
  });
});

describe('media manifests', () => {
  const manifest = (files: Record<string, string>): Manifest => ({
    iso: {sha256: 'x', size: 1},
    files: Object.fromEntries(Object.entries(files).map(([p, sha256]) => [p, {sha256, size: 1}])),
  });
  it('copies every file the first time', () =>
    assert.deepEqual(manifestDelta(null, manifest({a: '1', b: '2'})), {copy: ['a', 'b'], remove: []}));
  it('copies only what changed, removes what is gone', () => {
    assert.deepEqual(manifestDelta(manifest({a: '1', b: '2', c: '3'}), manifest({a: '1', b: '9', d: '4'})), {
      copy: ['b', 'd'],
      remove: ['c'],
    });
  });
});

describe('media tree drift (quick check)', () => {
  const manifest: Manifest = {
    iso: {sha256: 'i', size: 1},
    files: {a: {sha256: 'A', size: 1}, 'd/b': {sha256: 'B', size: 2}},
  };
  const record: TreeRecord = {files: {a: {size: 1, mtime: 10}, 'd/b': {size: 2, mtime: 20}}, links: {l: 'a'}};
  const file = (path: string, size: number, mtime: number, sha256?: string): TreeEntry => ({
    path,
    kind: 'file',
    mode: 0o644,
    size,
    mtime,
    ...(sha256 ? {sha256} : {}),
  });
  const dir = (path: string): TreeEntry => ({path, kind: 'directory', mode: 0o755, size: 4096, mtime: 1});
  const link = (path: string, target: string): TreeEntry => ({
    path,
    kind: 'link',
    mode: 0o777,
    size: target.length,
    mtime: 1,
    target,
  });
  const converged = [file('a', 1, 10, 'A'), dir('d'), file('d/b', 2, 20, 'B'), link('l', 'a')];
  const cases: [
    string,
    TreeEntry[],
    TreeRecord | undefined,
    boolean,
    {missing: string[]; extra: string[]; changed: string[]},
  ][] = [
    ['converged', converged, record, false, {missing: [], extra: [], changed: []}],
    ['converged, contents compared', converged, record, true, {missing: [], extra: [], changed: []}],
    [
      'a file deleted, a link retargeted',
      [file('a', 1, 10), dir('d'), link('l', '/etc/shadow')],
      record,
      false,
      {missing: ['d/b'], extra: [], changed: ['l']},
    ],
    [
      'another mtime, another size',
      [file('a', 1, 11), dir('d'), file('d/b', 3, 20), link('l', 'a')],
      record,
      false,
      {missing: [], extra: [], changed: ['a', 'd/b']},
    ],
    [
      'same size and mtime, other content: only --checksum sees it',
      [file('a', 1, 10, 'X'), dir('d'), file('d/b', 2, 20, 'B'), link('l', 'a')],
      record,
      true,
      {missing: [], extra: [], changed: ['a']},
    ],
    [
      'planted entries; an extra empty directory is nothing',
      [
        ...converged,
        file('d/x', 1, 1),
        link('p', '/'),
        {path: 'f', kind: 'other', mode: 0o644, size: 0, mtime: 1},
        dir('e'),
      ],
      record,
      false,
      {missing: [], extra: ['d/x', 'p', 'f'], changed: []},
    ],
    [
      'a directory where a file was',
      [file('a', 1, 10), dir('d'), dir('d/b'), link('l', 'a')],
      record,
      false,
      {missing: [], extra: [], changed: ['d/b']},
    ],
    [
      'no record (written by an older pxeprov): every file unverified, links as found',
      converged,
      undefined,
      false,
      {missing: [], extra: [], changed: ['a', 'd/b']},
    ],
  ];
  for (const [what, entries, rec, checksum, expected] of cases) {
    it(what, () => assert.deepEqual(treeDrift(manifest, rec, entries, checksum), expected));
  }
  it('a repair removes what is in the way, then puts back files and links', () => {
    const entries = [file('a', 1, 10), dir('d'), dir('d/b'), link('l', '/etc/shadow'), file('x', 1, 1)];
    const drift = treeDrift(manifest, record, entries, false);
    assert.deepEqual(repairPlan(drift, manifest, entries), {files: ['d/b'], links: ['l'], remove: ['d/b', 'x']});
  });
});

describe('dhcp guard', () => {
  it('reads nmap broadcast-dhcp-discover offers', () => {
    const out = `Pre-scan script results:\n| broadcast-dhcp-discover: \n|   Response 1 of 2: \n|     Interface: eth1\n|     IP Offered: 192.168.1.57\n|     DHCP Message Type: DHCPOFFER\n|     Server Identifier: 192.168.1.1\n|   Response 2 of 2: \n|     IP Offered: 192.168.1.201\n|     Server Identifier: 192.168.1.250\n`;
    assert.deepEqual(parseDiscover(out), [
      {server: '192.168.1.1', offered: '192.168.1.57'},
      {server: '192.168.1.250', offered: '192.168.1.201'},
    ]);
    assert.deepEqual(parseDiscover('Nmap done: 0 IP addresses'), []);
  });
  // nmap 7.93's own output, recorded in a network namespace: a scan that ran, and three that did not.
  const START = 'Starting Nmap 7.93 ( https://nmap.org ) at 2026-12-03 06:15 UTC\n';
  const NO_TARGETS = 'WARNING: No targets were specified, so 0 hosts scanned.\n';
  for (const [name, rc, stdout, stderr, problem] of [
    [
      'a scan that ran and heard nothing',
      0,
      `${START}Nmap done: 0 IP addresses (0 hosts up) scanned in 1.28 seconds\n`,
      NO_TARGETS,
      undefined,
    ],
    [
      'a missing interface',
      1,
      START,
      'I cannot figure out what source address to use for device nosuch, does it even exist?\nQUITTING!\n',
      /nmap exited 1: I cannot figure out/,
    ],
    [
      'an interface that is down',
      0,
      `${START}Pre-scan script results:\n|_broadcast-dhcp-discover: ERROR: Script execution failed (use -d to debug)\nNmap done\n`,
      `NSOCK ERROR [0.1880s] nsock_pcap_open(): pcap_activate(vg0) FAILED: That device is not up.\n${NO_TARGETS}`,
      /script failed.*That device is not up/,
    ],
    [
      'no permission',
      0,
      START,
      'You requested a scan type which requires root privileges.\n',
      /nmap reported: You requested/,
    ],
  ] as const) {
    it(`a look that fails is never "no other server": ${name}`, () => {
      const found = scanProblem(rc, stdout, stderr);
      if (problem === undefined) assert.equal(found, undefined);
      else assert.match(found ?? '', problem);
    });
  }
  it('knows which interfaces isc-dhcp-server serves', () => {
    assert.deepEqual(servedInterfaces('INTERFACESv4="eth1 eth2"\nINTERFACESv6=""\n'), ['eth1', 'eth2']);
    assert.deepEqual(servedInterfaces('INTERFACESv4=""\n'), []);
  });
});

describe('a refused config names its template line', () => {
  const template =
    'default-lease-time {{ lease }};\nsubnet {{ net }} netmask {{ mask }} {\n  next-server {{ ip }};\n}\n';
  it('finds the template line of a rendered line', () => {
    assert.equal(templateLineOf(template, '  next-server ;'), 3);
    assert.equal(templateLineOf(template, 'default-lease-time six hundred;'), 1);
    assert.equal(templateLineOf(template, 'nothing like it'), undefined);
  });
  it('keeps the daemon lines that matter', () => {
    const output =
      'Internet Systems Consortium DHCP Server 4.4.3-P1\nCopyright 2004-2022 Internet Systems Consortium.\n/etc/dhcp/dhcpd.conf line 8: expecting number.\ndefault-lease-time six\n Configuration file errors encountered -- exiting\n\nIf you think you have received this message due to a bug rather\n';
    assert.deepEqual(checkerMessage(output), {text: '/etc/dhcp/dhcpd.conf line 8: expecting number.', line: 8});
  });
});
