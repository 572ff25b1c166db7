/**
 * Many servers from one control machine: `pxeprov check -f FORKS` of 1, 10, 50 and 200 hosts (run by hand, as
 * root, after `npm run build`):
 *   node --import tsx bench/fleet.ts
 * Several throw-away sshds (test/helpers/sshd.ts) listen on loopback addresses 127.0.10.1, .2, …; each serves
 * its share of the inventory's hosts, every host its own target dir and state dir, logged in as a non-root
 * user. The playbook is bench/fleet/site.yaml (40 tasks, 44 with the loop's items). All hosts are converged
 * first (untimed); every timed check must then exit 0 (no drift). For each host count: wall time, CPU, peak
 * RSS (GNU time) and the peak of open file descriptors of the pxeprov process (sampled from /proc), the CPU
 * time of the whole machine (/proc/stat: the targets share its cores), medians of RUNS runs, and the cost per
 * added host.
 * Env: COUNTS=1,10,50,200 FORKS=50 SSHDS=4 RUNS=3 BENCH_USER=pxeprovtest PLAYBOOK=bench/fleet/site.yaml; KEEP=1
 * keeps the temp dir.
 */
import {execFileSync, spawn} from 'node:child_process';
import {chmodSync, chownSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {loadavg, cpus, tmpdir} from 'node:os';
import {join, resolve} from 'node:path';
import {startSshd, type TestSshd} from '../test/helpers/sshd.js';

const counts = (process.env.COUNTS ?? '1,10,50,200').split(',').map(Number);
const forks = Number(process.env.FORKS ?? 50);
const sshdCount = Number(process.env.SSHDS ?? 4);
const runs = Number(process.env.RUNS ?? 3);
const user = process.env.BENCH_USER ?? 'pxeprovtest';
const repo = resolve(import.meta.dirname, '..');
const pxeprov = join(repo, 'bin/pxeprov');
const playbook = resolve(process.env.PLAYBOOK ?? join(repo, 'bench/fleet/site.yaml'));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

interface Sample {
  wall: number;
  cpu: number;
  /** CPU seconds the whole machine was busy during the run (both cores): pxeprov, and the targets' sshds,
   * shells and agents, which share the cores here (their processes are not all reaped by the sshds, so the
   * machine's count is the one that holds). */
  machineCpu: number;

  rssMb: number;
  fds: number;
}

/** One pxeprov run under GNU time; open fds sampled every 20 ms. Fails the bench on an unexpected exit code. */
function runPxeprov(args: string[], log: string, env: NodeJS.ProcessEnv, expect = 0): Promise<Sample> {
  const timeFile = `${log}.time`;
  const child = spawn('/usr/bin/time', ['-f', '%e %U %S %M', '-o', timeFile, pxeprov, ...args], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: Buffer[] = [];
  child.stdout.on('data', (d: Buffer) => output.push(d));
  child.stderr.on('data', (d: Buffer) => output.push(d));
  let fds = 0;
  const sampler = setInterval(() => {
    try {
      const pid = readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, 'utf8').trim().split(' ')[0];
      if (pid) fds = Math.max(fds, readdirSync(`/proc/${pid}/fd`).length);
    } catch {
      // Not started yet, or already gone: the next sample tells.
    }
  }, 20);
  return new Promise((done, fail) => {
    child.on('exit', (code) => {
      clearInterval(sampler);
      writeFileSync(log, Buffer.concat(output));
      if (code !== expect)
        return fail(
          new Error(
            `pxeprov ${args.join(' ')} exited ${code}, expected ${expect}: see ${log}\n${Buffer.concat(output).toString().slice(-3000)}`,
          ),
        );
      const [wall, userS, sysS, rssKb] = readFileSync(timeFile, 'utf8')
        .trim()
        .split('\n')
        .at(-1)!
        .split(' ')
        .map(Number);
      done({wall: wall!, cpu: userS! + sysS!, machineCpu: 0, rssMb: rssKb! / 1024, fds});
    });
  });
}

/** CPU seconds the whole machine has been busy (all cores), from /proc/stat. */
function machineBusySeconds(): number {
  const ticks = Number(execFileSync('getconf', ['CLK_TCK'], {encoding: 'utf8'}));
  const [user, nice, system, , , irq, softirq, steal] = readFileSync('/proc/stat', 'utf8')
    .split('\n')[0]!
    .split(/\s+/)
    .slice(1)
    .map(Number);
  return (user! + nice! + system! + irq! + softirq! + steal!) / ticks;
}

const tmp = mkdtempSync(join(tmpdir(), 'pxeprov-bench-fleet-'));
chmodSync(tmp, 0o755);
const sshds: TestSshd[] = [];
try {
  for (let i = 1; i <= sshdCount; i++) {
    const sshd = await startSshd({address: `127.0.10.${i}`});
    // sshd reads AuthorizedKeysFile as the logged-in user: let the non-root user reach it (private keys stay 0600).
    chmodSync(sshd.dir, 0o755);
    chmodSync(join(sshd.dir, 'authorized_keys'), 0o644);
    sshds.push(sshd);
  }
  const knownHosts = join(tmp, 'known_hosts');
  writeFileSync(knownHosts, sshds.map((s) => readFileSync(s.knownHosts, 'utf8')).join(''));
  for (const dir of ['targets', 'state']) {
    mkdirSync(join(tmp, dir));
    chownSync(
      join(tmp, dir),
      Number(execFileSync('id', ['-u', user], {encoding: 'utf8'})),
      Number(execFileSync('id', ['-g', user], {encoding: 'utf8'})),
    );
  }
  const inventory = (n: number) => {
    const file = join(tmp, `fleet-${n}.yaml`);
    const hosts = Array.from({length: n}, (_, i) => {
      const name = `f${String(i + 1).padStart(3, '0')}`;
      const sshd = sshds[i % sshds.length]!;
      return `        ${name}: {ansible_host: ${sshd.address}, ansible_port: ${sshd.port}, bench_root: ${tmp}/targets/${name}, pxeprov_state_dir: ${tmp}/state/${name}}`;
    });
    const vars = [
      `ansible_user: ${user}`,
      `ansible_ssh_private_key_file: ${sshds[0]!.keys.ed25519}`,
      `pxeprov_known_hosts: ${knownHosts}`,
    ];
    // Every sshd accepts the same user keys: the first server's key pair is added to the others'.
    writeFileSync(
      file,
      [
        'all:',
        '  children:',
        '    fleet:',
        '      hosts:',
        ...hosts,
        '      vars:',
        ...vars.map((v) => `        ${v}`),
        '',
      ].join('\n'),
    );
    return file;
  };
  const firstKey = readFileSync(`${sshds[0]!.keys.ed25519}.pub`, 'utf8');
  for (const sshd of sshds.slice(1))
    writeFileSync(
      join(sshd.dir, 'authorized_keys'),
      readFileSync(join(sshd.dir, 'authorized_keys'), 'utf8') + firstKey,
    );

  const env = {
    ...process.env,
    ANSIBLE_ROLES_PATH: join(repo, 'bench/engine/pxeprov/roles'),
    PXEPROV_SSH_CONFIG: join(tmp, 'ssh_config'),
    CI: '1',
  };
  writeFileSync(env.PXEPROV_SSH_CONFIG, '');
  const largest = Math.max(...counts);
  const all = inventory(largest);
  console.error(`converging ${largest} hosts (untimed)...`);
  const converge = await runPxeprov(['up', all, '-p', playbook, '-f', String(forks)], join(tmp, 'converge.log'), env);
  console.error(`  converged in ${converge.wall.toFixed(1)} s`);

  const machine = `${new Date().toISOString().slice(0, 16)}Z, ${cpus().length} cores (${cpus()[0]?.model.trim()}), load ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}, Node ${process.version}`;
  const rows: {n: number; samples: Sample[]}[] = [];
  for (const n of counts) {
    const file = inventory(n);
    const samples: Sample[] = [];
    for (let run = 1; run <= runs; run++) {
      const busyBefore = machineBusySeconds();
      const sample = await runPxeprov(
        ['check', file, '-p', playbook, '-f', String(forks)],
        join(tmp, `check-${n}-${run}.log`),
        env,
      );
      // The targets' sessions end as pxeprov exits: their last processes finish a moment later.
      await new Promise((r) => setTimeout(r, 300));
      sample.machineCpu = machineBusySeconds() - busyBefore;
      console.error(
        `  check ${n} host(s), run ${run}/${runs}: ${sample.wall.toFixed(2)} s, CPU ${sample.cpu.toFixed(2)} s, machine ${sample.machineCpu.toFixed(2)} s, ${sample.rssMb.toFixed(0)} MB, ${sample.fds} fds`,
      );
      samples.push(sample);
    }
    rows.push({n, samples});
  }

  console.log(
    `\nFleet bench (pxeprov check, -f ${forks}, ${sshdCount} sshds on 127.0.10.x, user ${user}, 40 tasks per host), ${machine}\n`,
  );
  console.log('| hosts | wall s | CPU s | machine CPU s | peak RSS MB | peak open fds | wall runs |');
  console.log('| ---: | ---: | ---: | ---: | ---: | ---: | --- |');
  for (const {n, samples} of rows) {
    const m = (key: keyof Sample) => median(samples.map((s) => s[key]));
    console.log(
      `| ${n} | ${m('wall').toFixed(2)} | ${m('cpu').toFixed(2)} | ${m('machineCpu').toFixed(2)} | ${Math.max(...samples.map((s) => s.rssMb)).toFixed(0)} | ${Math.max(...samples.map((s) => s.fds))} | ${samples.map((s) => s.wall.toFixed(2)).join(', ')} |`,
    );
  }
  const first = rows[0]!;
  const last = rows.at(-1)!;
  if (last.n > first.n) {
    const per = (key: keyof Sample) =>
      ((median(last.samples.map((s) => s[key])) - median(first.samples.map((s) => s[key]))) / (last.n - first.n)) *
      1000;
    console.log(
      `\nper added host: ${per('wall').toFixed(0)} ms wall, ${per('cpu').toFixed(0)} ms CPU of the control process, ${per('machineCpu').toFixed(0)} ms CPU of the whole machine (pxeprov and the targets)`,
    );
    const wall = median(last.samples.map((s) => s.wall));
    const rss = Math.max(...last.samples.map((s) => s.rssMb));
    console.log(
      `targets for ${last.n} hosts: wall < 10 s ${wall < 10 ? 'met' : 'MISSED'} (${wall.toFixed(2)} s); peak RSS < 500 MB ${rss < 500 ? 'met' : 'MISSED'} (${rss.toFixed(0)} MB)`,
    );
  }
} finally {
  await Promise.all(sshds.map((s) => s.stop()));
  if (!process.env.KEEP) rmSync(tmp, {recursive: true, force: true});
  else console.error(`kept ${tmp}`);
}
