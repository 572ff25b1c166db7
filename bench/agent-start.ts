/**
 * Agent start-up under a busy control machine (run by hand, as root):
 *   node --import tsx bench/agent-start.ts [HOSTS=50] [BUSY_MS=400]
 * Opens HOSTS connections at once to a local sshd (like `-f 50`) while the event loop is blocked BUSY_MS out
 * of every BUSY_MS+100 ms (the engine's own work), and counts the hosts that failed to start their agent.
 * Healthy hosts must all start: the start timer counts only silence the control side was free to notice.
 */
import {connect} from '../src/transport/index.js';
import type {Agent} from '../src/transport/index.js';
import {startSshd} from '../test/helpers/sshd.js';

const hosts = Number(process.argv[2] ?? 50);
const busyMs = Number(process.argv[3] ?? 400);
const sshd = await startSshd();
try {
  const load = setInterval(() => {
    const end = Date.now() + busyMs;
    while (Date.now() < end);
  }, 100);
  const t0 = performance.now();
  const results = await Promise.allSettled(Array.from({length: hosts}, () => connect(sshd.spec())));
  const ms = performance.now() - t0;
  clearInterval(load);
  const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
  console.log(
    `${hosts - failed.length}/${hosts} agents started in ${(ms / 1000).toFixed(1)} s with the loop blocked ${busyMs} ms of every ${busyMs + 100} ms`,
  );
  for (const reason of new Set(failed.map((f) => (f.reason as Error).message))) console.log(`  failed: ${reason}`);
  await Promise.all(results.flatMap((r) => (r.status === 'fulfilled' ? [(r.value as Agent).close()] : [])));
} finally {
  await sshd.stop();
}
