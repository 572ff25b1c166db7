/**
 * Transport benchmarks, side by side with OpenSSH on a local sshd (run by hand, as root):
 *   node --import tsx bench/transport.ts
 * 1. 1000 stat+sha256 reads of small files: agent (pipelined) vs `ssh` calls over a shared
 *    ControlMaster connection (50 timed, scaled to 1000).
 * 2. connect + agent start-up + facts.
 * 3. a 200 MB upload: agent vs scp.
 * Prints medians and ratios.
 */
import {execFileSync} from 'node:child_process';
import {createReadStream, mkdirSync, rmSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {connect} from '../src/transport/index.js';
import {startSshd} from '../test/helpers/sshd.js';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const ms = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e6;

const sshd = await startSshd();
const dir = join(sshd.dir, 'bench');
mkdirSync(dir);
const ssh = [
  '-p',
  String(sshd.port),
  '-i',
  sshd.keys.ed25519,
  '-o',
  `UserKnownHostsFile=${sshd.knownHosts}`,
  '-o',
  'BatchMode=yes',
];
const control = join(sshd.dir, 'cm.sock');
try {
  const files = Array.from({length: 1000}, (_, i) => join(dir, `small-${i}.conf`));
  files.forEach((f, i) => writeFileSync(f, `option ${i};\n`.repeat(20)));

  // 1. reads
  const agent = await connect(sshd.spec());
  const agentRuns: number[] = [];
  for (let run = 0; run < 5; run++) {
    const t0 = process.hrtime.bigint();
    await Promise.all(files.map((f) => agent.stat([f], {sha256: true})));
    agentRuns.push(ms(t0));
  }
  execFileSync('ssh', [...ssh, '-M', '-S', control, '-f', '-N', '-o', 'ControlPersist=120', 'root@127.0.0.1']);
  const sshRuns: number[] = [];
  for (let run = 0; run < 3; run++) {
    const t0 = process.hrtime.bigint();
    for (const f of files.slice(0, 50)) {
      execFileSync('ssh', [...ssh, '-S', control, 'root@127.0.0.1', `stat -c '%f %u %g %s %Y' ${f} && sha256sum ${f}`]);
    }
    sshRuns.push((ms(t0) * 1000) / 50);
  }
  const [a, s] = [median(agentRuns), median(sshRuns)];
  console.log(
    `1000 stat+sha256 reads: agent ${a.toFixed(0)} ms, ssh+ControlMaster ${s.toFixed(0)} ms (50 timed, scaled): ${(s / a).toFixed(0)}x faster`,
  );

  // 2. connect + start-up + facts
  await agent.close();
  const connects: number[] = [];
  for (let run = 0; run < 11; run++) {
    const t0 = process.hrtime.bigint();
    const a2 = await connect(sshd.spec());
    connects.push(ms(t0));
    await a2.close();
  }
  console.log(
    `connect + agent start + facts: median ${median(connects).toFixed(0)} ms (min ${Math.min(...connects).toFixed(0)})`,
  );

  // 3. 200 MB upload
  const big = join(sshd.dir, 'big.bin');
  execFileSync('dd', ['if=/dev/urandom', `of=${big}`, 'bs=1M', 'count=200'], {stdio: 'ignore'});
  const size = 200 * 1024 * 1024;
  const sum = execFileSync('sha256sum', [big], {encoding: 'utf8'}).slice(0, 64);
  const up = await connect(sshd.spec());
  const agentUp: number[] = [];
  const agentUpKnown: number[] = [];
  const scpUp: number[] = [];
  const upload = async (into: number[], options: {sha256?: string}) => {
    rmSync(join(dir, 'up.bin'), {force: true});
    const t0 = process.hrtime.bigint();
    await up.upload(join(dir, 'up.bin'), createReadStream(big, {highWaterMark: 1024 * 1024}), size, options);
    into.push(ms(t0));
  };
  for (let run = 0; run < 3; run++) {
    await upload(agentUp, {});
    await upload(agentUpKnown, {sha256: sum});
    rmSync(join(dir, 'scp.bin'), {force: true});
    const t0 = process.hrtime.bigint();
    execFileSync('scp', [
      '-q',
      '-P',
      String(sshd.port),
      '-i',
      sshd.keys.ed25519,
      '-o',
      `UserKnownHostsFile=${sshd.knownHosts}`,
      big,
      `root@127.0.0.1:${join(dir, 'scp.bin')}`,
    ]);
    scpUp.push(ms(t0));
  }
  await up.close();
  const mbps = (t: number) => 200 / (t / 1000);
  const us = median(scpUp);
  console.log(`200 MB upload: scp ${mbps(us).toFixed(0)} MB/s (${us.toFixed(0)} ms, no fsync, no checksum)`);
  for (const [label, times] of [
    ['agent, sha256 hashed on both sides', agentUp],
    ['agent, sha256 known (engine cache)', agentUpKnown],
  ] as const) {
    const t = median(times);
    console.log(
      `  ${label}: ${mbps(t).toFixed(0)} MB/s (${t.toFixed(0)} ms): ${(us / t).toFixed(2)}x scp's throughput`,
    );
  }
} finally {
  try {
    execFileSync('ssh', ['-S', control, '-O', 'exit', 'root@127.0.0.1'], {stdio: 'ignore'});
  } catch {
    // no master running
  }
  await sshd.stop();
}
