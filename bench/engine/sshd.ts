/**
 * Starts the tests' throw-away sshd (test/helpers/sshd.ts) for the benches and keeps it up until SIGTERM/SIGINT.
 *   node --import tsx bench/engine/sshd.ts OUT.env
 * writes shell assignments (SSHD_PORT, SSHD_KEY, SSHD_KNOWN_HOSTS, SSHD_DIR) to OUT.env once it listens.
 */
import {chmodSync, renameSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {startSshd} from '../../test/helpers/sshd.js';

const out = process.argv[2];
if (!out) throw new Error('usage: sshd.ts OUT.env');
const sshd = await startSshd();
// sshd reads AuthorizedKeysFile as the logged-in user: let the non-root test users reach it (private keys stay 0600).
chmodSync(sshd.dir, 0o755);
chmodSync(join(sshd.dir, 'authorized_keys'), 0o644);
const env = `SSHD_PORT=${sshd.port}\nSSHD_KEY=${sshd.keys.ed25519}\nSSHD_KNOWN_HOSTS=${sshd.knownHosts}\nSSHD_DIR=${sshd.dir}\n`;
writeFileSync(`${out}.tmp`, env);
renameSync(`${out}.tmp`, out);
const stop = async () => {
  await sshd.stop();
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
setInterval(() => {}, 1 << 30);
