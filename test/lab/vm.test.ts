/**
 * `lab up --vm` (root): the lab host as a QEMU VM proves what a container cannot: udev runs,
 * NetworkManager manages the LAN interface, `netplan apply` configures it, nfsd serves. Own prefix (pxw).
 */
import {after, before, describe, it} from 'node:test';
import assert from 'node:assert/strict';
import {mkdtemp, rm} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {labDown, labStatus, labUp, runInLabHost} from '../../src/lab/index.js';
import {run} from '../../src/lab/exec.js';

const PREFIX = 'pxw';
const sh = (command: string) => runInLabHost(command, {prefix: PREFIX, timeoutMs: 180_000});

describe('lab up --vm', {timeout: 15 * 60_000}, () => {
  let dir: string;
  before(async () => {
    await labDown({prefix: PREFIX});
    dir = await mkdtemp(join(tmpdir(), 'pxeprov-vm-test-'));
  });
  after(async () => {
    await labDown({prefix: PREFIX});
    await rm(dir, {recursive: true, force: true});
  });

  it('boots a VM lab host reachable over SSH, with udev, NetworkManager and nfsd', async () => {
    await labUp({prefix: PREFIX, vm: true, inventory: join(dir, 'lab.yaml')});
    const s = await labStatus({prefix: PREFIX});
    assert.equal(s.kind, 'vm');
    assert.equal(s.host.sshReachable, true);
    const r = await sh(
      'systemctl is-active systemd-udevd NetworkManager nfs-server; nmcli -t -f DEVICE,STATE dev; head -c 40 /proc/fs/nfsd/versions',
    );
    assert.match(r.stdout, /^active\nactive\nactive\n/);
    assert.match(r.stdout, /^pxe0:disconnected$/m);
    assert.match(r.stdout, /^mgmt0:unmanaged$/m);
    assert.match(r.stdout, /\+3/);
  });

  it('netplan apply configures the LAN interface', async () => {
    await sh(
      `printf 'network:\\n  version: 2\\n  renderer: networkd\\n  ethernets:\\n    pxe0:\\n      addresses: [192.168.77.1/24]\\n' > /etc/netplan/60-lab-test.yaml && chmod 600 /etc/netplan/60-lab-test.yaml && netplan apply`,
    );
    const r = await sh(
      'for i in $(seq 60); do ip -4 -br addr show pxe0 | grep -q 192.168.77.1/24 && break; sleep 1; done; ip -4 -br addr show pxe0',
    );
    assert.match(r.stdout, /192\.168\.77\.1\/24/);
  });

  it('lab down ends the VM and removes its namespaces, links and rules', async () => {
    await labDown({prefix: PREFIX});
    const left = (
      await run(['sh', '-c', `ip netns list; ip -o link; iptables -S; iptables -t nat -S; ps -eo args; findmnt -rn`])
    ).stdout;
    assert.deepEqual(
      left.split('\n').filter((l) => l.includes(PREFIX) && !l.includes('ps -eo')),
      [],
    );
  });
});
