/**
 * Output of runs over many hosts and of long transfers: a recorded run of 200 hosts (interleaved as forks
 * interleave them) through the plain renderer, the recap and its summary table; progress lines and their pace;
 * the engine's progress events and their pace.
 */
import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import type {EngineEvent, HostReport, RunReport, TaskOutcome} from '../../src/engine/events.js';
import {emptyStats} from '../../src/engine/events.js';
import {PROGRESS_EVERY_MS, progressEmitter} from '../../src/engine/progress.js';
import {activityTitle, fleetTitle} from '../../src/report/listr.js';
import {plainRenderer} from '../../src/report/plain.js';
import {transferText} from '../../src/report/progress.js';
import {recapText, summaryText} from '../../src/report/recap.js';

const TASKS = ['directory tftpboot', 'default menu', 'dhcpd host list', 'exports'];
const pos = {file: 'site.yaml', line: 1, col: 1};

/** What happens to a host in the recorded run: most change nothing, some drift, two fail, one is unreachable. */
function fate(i: number): 'ok' | 'changed' | 'failed' | 'unreachable' {
  if (i === 7) return 'unreachable';
  if (i === 50 || i === 120) return 'failed';
  return i % 40 === 3 ? 'changed' : 'ok';
}

/** A check of 200 hosts, -f 50: each round every running host does its next task, so hosts interleave. */
function recordedRun(count = 200): {events: EngineEvent[]; report: RunReport} {
  const hosts = Array.from({length: count}, (_, i) => `pxe-${String(i + 1).padStart(3, '0')}`);
  const events: EngineEvent[] = [{type: 'run-start', playbook: 'site.yaml', hosts, check: true}];
  const reports: HostReport[] = [];
  for (let start = 0; start < count; start += 50) {
    const batch = hosts.slice(start, start + 50);
    const tasks = new Map(batch.map((h) => [h, [] as TaskOutcome[]]));
    for (const host of batch) events.push({type: 'host-start', host});
    for (const task of TASKS) {
      for (const [offset, host] of batch.entries()) {
        const kind = fate(start + offset);
        if (kind === 'unreachable' || (kind === 'failed' && tasks.get(host)!.some((t) => t.status === 'failed')))
          continue;
        const status =
          kind === 'changed' && task === 'default menu'
            ? 'changed'
            : kind === 'failed' && task === 'dhcpd host list'
              ? 'failed'
              : 'ok';
        const outcome: TaskOutcome = {
          host,
          play: 'PXE',
          task,
          pos,
          status,
          handler: false,
          ms: 3,
          summary:
            status === 'changed' ? 'content differs' : status === 'failed' ? 'cannot read' : 'already up to date',
          ...(status === 'changed'
            ? {diff: `--- before\n+++ after\n@@ -1 +1 @@\n-TIMEOUT 50\n+TIMEOUT 100 # ${host}\n`}
            : {}),
          ...(status === 'failed' ? {error: {code: 'E_REMOTE', message: `stat on ${host}: permission denied`}} : {}),
        };
        tasks.get(host)!.push(outcome);
        events.push({type: 'task-start', host, play: 'PXE', task, handler: false}, {type: 'task-done', outcome});
      }
    }
    for (const [offset, host] of batch.entries()) {
      const kind = fate(start + offset);
      const stats = emptyStats();
      for (const t of tasks.get(host)!) {
        if (t.status === 'failed') stats.failed++;
        else stats.ok++;
        if (t.status === 'changed') stats.changed++;
      }
      if (kind === 'unreachable') stats.unreachable = 1;
      const report: HostReport = {
        host,
        stats,
        tasks: tasks.get(host)!,
        ms: 900,
        ...(kind === 'unreachable'
          ? {error: {code: 'E_TIMEOUT', message: `connecting to ${host} timed out after 10s`}}
          : {}),
      };
      reports.push(report);
      events.push({type: 'host-done', report});
    }
  }
  const report: RunReport = {
    playbook: 'site.yaml',
    inventory: 'fleet.yaml',
    check: true,
    drift: true,
    hosts: reports,
    warnings: [],
    ms: 9100,
  };
  events.push({type: 'run-done', report});
  return {events, report};
}

function renderPlain(events: EngineEvent[]): {stdout: string; stderr: string} {
  let stdout = '';
  let stderr = '';
  const render = plainRenderer({
    diff: true,
    verbose: 0,
    profile: false,
    color: false,
    write: (t) => (stdout += t),
    progress: (t) => (stderr += t),
  });
  for (const event of events) render(event);
  return {stdout, stderr};
}

describe('a run of 200 hosts, plain output', () => {
  const {events, report} = recordedRun();
  const {stdout, stderr} = renderPlain(events);
  const lines = stdout.split('\n');

  it('names the first hosts of the run, not all 200', () => {
    const first = stderr.split('\n')[0]!;
    assert.match(first, /^check: site\.yaml on 200 host\(s\): pxe-001, pxe-002, .*pxe-012, … \(\+188 more\)$/);
  });

  it("keeps each host's outcomes and diffs together, though the hosts ran interleaved", () => {
    const owner = (line: string) => /^\S+: \[(pxe-\d+)\]/.exec(line)?.[1] ?? /# (pxe-\d+)$/.exec(line)?.[1];
    const seen: string[] = [];
    for (const host of lines.map(owner).filter((h): h is string => h !== undefined)) {
      if (seen.at(-1) === host) continue;
      assert.ok(!seen.includes(host), `${host}'s lines are split by another host's: ${seen.slice(-3).join(', ')}`);
      seen.push(host);
    }
    assert.deepEqual(seen, ['pxe-004', 'pxe-044', 'pxe-051', 'pxe-084', 'pxe-121', 'pxe-124', 'pxe-164']);
    const changed = lines.indexOf('would change: [pxe-044] default menu - content differs');
    assert.deepEqual(lines.slice(changed + 1, changed + 6), [
      '--- before',
      '+++ after',
      '@@ -1 +1 @@',
      '-TIMEOUT 50',
      '+TIMEOUT 100 # pxe-044',
    ]);
  });

  it('lists in the recap only the hosts that drifted or failed, then a summary table', () => {
    const recap = stdout.slice(stdout.indexOf('PLAY RECAP'));
    const hostLines = recap
      .split('\n')
      .filter((l) => /^pxe-\d+ +: ok=/.test(l))
      .map((l) => l.split(' ')[0]);
    assert.deepEqual(hostLines, [
      'pxe-004',
      'pxe-008',
      'pxe-044',
      'pxe-051',
      'pxe-084',
      'pxe-121',
      'pxe-124',
      'pxe-164',
    ]);
    assert.match(recap, /^192 other host\(s\): ok, nothing to change$/m);
    assert.equal(
      summaryText(report, false),
      [
        `SUMMARY: 200 hosts ${'*'.repeat(52)}`,
        'unreachable      1  pxe-008',
        'failed           2  pxe-051, pxe-121',
        'would change     5  pxe-004, pxe-044, pxe-084, pxe-124, pxe-164',
        'ok, no change  192',
        'errors:',
        '  E_TIMEOUT (1): pxe-008',
        '  E_REMOTE (2): pxe-051, pxe-121',
      ].join('\n'),
    );
    assert.match(recap, /SUMMARY: 200 hosts/);
    assert.match(
      recap,
      /check finished in 9\.10 s - 3 of 200 host\(s\) failed or unreachable: pxe-008, pxe-051, pxe-121; drift found$/m,
    );
  });

  it('stays short: a few lines per host that has something to say, not per host', () => {
    assert.ok(lines.length < 80, `${lines.length} lines of results`);
    assert.equal(stderr.split('\n').filter((l) => / \((done|failed) in /.test(l)).length, 200);
  });

  it('lists every host in the recap of a small run, without a summary', () => {
    const small = recordedRun(20).report;
    const recap = recapText(small, false);
    assert.equal(recap.split('\n').filter((l) => /^pxe-\d+ +: ok=/.test(l)).length, 20);
    assert.doesNotMatch(recap, /SUMMARY|other host/);
  });

  it('cuts a long list of failed hosts in the last line', () => {
    const failing = {...report, hosts: report.hosts.map((h) => ({...h, stats: {...h.stats, failed: 1}}))};
    assert.match(
      recapText(failing, false).split('\n').at(-1)!,
      /200 of 200 host\(s\) failed or unreachable: pxe-001, .*, pxe-012, … \(\+188 more\); drift found$/,
    );
  });
});

describe('long transfers', () => {
  it('read as rsync --info=progress2 reads: bytes, share, rate, time left', () => {
    const cases: [number, number, number, string][] = [
      [350e6, 700e6, 3500, '350.0 MB of 700.0 MB  50%  100.0 MB/s  0:00:04 left'],
      [700e6, 700e6, 7000, '700.0 MB of 700.0 MB  100%  100.0 MB/s  done in 0:00:07'],
      [0, 1500, 0, '0 B of 1.5 kB  0%  -  starting'],
      [1.5e9, 4.5e9, 60_000, '1.50 GB of 4.50 GB  33%  25.0 MB/s  0:02:00 left'],
      [10e6, 4.5e9, 1000, '10.0 MB of 4.50 GB  0%  10.0 MB/s  0:07:29 left'],
    ];
    for (const [done, total, ms, text] of cases) assert.equal(transferText(done, total, ms), text);
  });

  const transfer = (msList: number[], total = 700e6): EngineEvent[] =>
    msList.map((ms, i) => ({
      type: 'task-progress',
      host: 'pxe1',
      play: 'PXE',
      task: 'media',
      item: 'centos7',
      done: i === msList.length - 1 ? total : (total * ms) / 14_000,
      total,
      ms,
    }));

  it('print a line every 5 s of the transfer and its last one in plain output, on stderr', () => {
    const ticks = Array.from({length: 49}, (_, i) => i * 250);
    const {stdout, stderr} = renderPlain(transfer([...ticks, 12_100]));
    assert.equal(stdout, '');
    assert.deepEqual(stderr.trim().split('\n'), [
      '[pxe1] media (item=centos7): 250.0 MB of 700.0 MB  35%  50.0 MB/s  0:00:09 left',
      '[pxe1] media (item=centos7): 500.0 MB of 700.0 MB  71%  50.0 MB/s  0:00:04 left',
      '[pxe1] media (item=centos7): 700.0 MB of 700.0 MB  100%  57.9 MB/s  done in 0:00:13',
    ]);
  });

  it('show in the host row on a terminal, and many hosts share one counting row', () => {
    assert.equal(
      activityTitle(transfer([3500])[0] as Extract<EngineEvent, {type: 'task-progress'}>),
      'pxe1: media (item=centos7): 700.0 MB of 700.0 MB  100%  200.0 MB/s  done in 0:00:04',
    );
    assert.equal(
      activityTitle({type: 'task-start', host: 'pxe1', play: 'PXE', task: 'exports', handler: true}),
      'pxe1: handler exports',
    );
    const {report} = recordedRun(60);
    assert.equal(
      fleetTitle(200, report.hosts, 50, 'pxe-061: exports'),
      '60/200 hosts done, 2 failed, 50 running · pxe-061: exports',
    );
    assert.equal(fleetTitle(200, [], 0, ''), '0/200 hosts done');
  });

  it('come from the engine at most every 250 ms, with the last one always', () => {
    const events: EngineEvent[] = [];
    let now = 1000;
    const sent = progressEmitter(
      (e) => events.push(e),
      {host: 'pxe1', play: 'PXE', task: 'media', item: 'centos7'},
      () => now,
    );
    for (const [at, done] of [
      [1000, 10],
      [1100, 20],
      [1249, 30],
      [1250, 40],
      [1400, 50],
      [1500, 60],
      [1510, 100],
    ] as const) {
      now = at;
      sent(done, 100);
    }
    assert.equal(PROGRESS_EVERY_MS, 250);
    assert.deepEqual(
      events.map((e) => e.type === 'task-progress' && [e.done, e.ms]),
      [
        [10, 0],
        [40, 250],
        [60, 500],
        [100, 510],
      ],
    );
    assert.deepEqual(events[0], {
      type: 'task-progress',
      host: 'pxe1',
      play: 'PXE',
      task: 'media',
      item: 'centos7',
      done: 10,
      total: 100,
      ms: 0,
    });
  });
});
