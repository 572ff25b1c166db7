/**
 * Every agent operation under dash, bash --posix and busybox sh (busybox's own applets then replace
 * coreutils: head, stat, sha256sum...), against a real sshd on 127.0.0.1. The target is this machine,
 * so results are checked against the local file system.
 */
import assert from 'node:assert/strict';
import {createHash} from 'node:crypto';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import {join} from 'node:path';
import {PassThrough, Readable} from 'node:stream';
import {after, before, describe, it} from 'node:test';
import {execFileSync} from 'node:child_process';
import {PxeError} from '../../src/errors.js';
import {connect} from '../../src/transport/index.js';
import type {Agent} from '../../src/transport/index.js';
import {startSshd} from '../helpers/sshd.js';
import type {TestSshd} from '../helpers/sshd.js';

const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');
const ALL_BYTES = Buffer.from(Array.from({length: 512}, (_, i) => i % 256));

function isPxe(code: string) {
  return (e: unknown) => e instanceof PxeError && e.code === code && e.where.host === 'testhost';
}

function tempsIn(dir: string): string[] {
  return readdirSync(dir).filter((n) => n.includes('.pxeprov-tmp.'));
}

let sshd: TestSshd;
before(async () => {
  sshd = await startSshd();
});
after(async () => {
  await sshd.stop();
});

for (const [shell, shellName] of [
  ['/bin/dash', 'dash'],
  ['bash --posix', 'bash'],
  ['busybox sh', 'busybox'],
] as const) {
  describe(`agent under ${shell}`, () => {
    let agent: Agent;
    let root: string;
    before(async () => {
      root = mkdtempSync(join(sshd.dir, `root-${shellName}-`));
      agent = await connect(sshd.spec({shell}), {gatherPackages: ['openssh-server', 'no-such-package-pxeprov']});
    });
    after(async () => {
      await agent.close();
    });

    it('gathers facts in the start-up round trip', () => {
      const f = agent.facts;
      assert.equal(f.shell, shellName);
      assert.equal(f.user, 'root');
      assert.equal(f.uid, 0);
      assert.equal(f.sshAddress, '127.0.0.1');
      assert.equal(f.sshIface, 'lo');
      assert.ok(f.os.id && f.kernel && f.arch && f.hostname);
      assert.equal(f.packages['openssh-server']?.status, 'install ok installed');
      assert.deepEqual(f.packages['no-such-package-pxeprov'], {name: 'no-such-package-pxeprov'});
      assert.ok(f.interfaces.some((i) => i.name === 'lo' && i.ipv4.includes('127.0.0.1/8') && i.up));
    });

    it('stats files, directories, links, fifos and absent paths, with sha256', async () => {
      const file = join(root, 'stat file');
      writeFileSync(file, ALL_BYTES, {mode: 0o640});
      symlinkSync('stat file', join(root, 'link'));
      execFileSync('mkfifo', [join(root, 'fifo')]);
      const [f, d, l, o, a] = await agent.stat(
        [file, root, join(root, 'link'), join(root, 'fifo'), join(root, 'nope')],
        {sha256: true},
      );
      const st = statSync(file);
      assert.deepEqual(f, {
        path: file,
        kind: 'file',
        mode: 0o640,
        uid: 0,
        gid: 0,
        owner: 'root',
        group: 'root',
        size: 512,
        mtime: Math.floor(st.mtimeMs / 1000),
        sha256: sha(ALL_BYTES),
      });
      assert.equal(d!.kind, 'directory');
      assert.equal(l!.kind, 'link');
      assert.equal(l!.target, 'stat file');
      assert.equal(l!.sha256, undefined);
      assert.equal(o!.kind, 'other');
      assert.deepEqual(a, {path: join(root, 'nope'), kind: 'absent'});
      const [plain] = await agent.stat([file]);
      assert.equal(plain!.sha256, undefined);
      // Above a few MB in all the files are hashed by openssl, which prints odd names raw.
      const big = Buffer.alloc(5 * 1024 * 1024, 3);
      const odd = [join(root, 'big\nnew line'), join(root, 'big\\back slash')];
      odd.forEach((p) => writeFileSync(p, big));
      const hashed = await agent.stat([...odd, file], {sha256: true});
      assert.deepEqual(
        hashed.map((r) => r.sha256),
        [sha(big), sha(big), sha(ALL_BYTES)],
      );
    });

    it('merges pipelined stat calls and returns each its own results', async () => {
      const paths = Array.from({length: 50}, (_, i) => join(root, `p${i}`));
      paths.forEach((p, i) => i % 2 && writeFileSync(p, String(i)));
      const results = await Promise.all(paths.map((p) => agent.stat([p], {sha256: true})));
      results.forEach(([r], i) => {
        assert.equal(r!.path, paths[i]);
        assert.equal(r!.kind, i % 2 ? 'file' : 'absent');
        if (i % 2) assert.equal(r!.sha256, sha(String(i)));
      });
    });

    it('hashes the regular files among many paths of every kind, whatever their names', async () => {
      const dir = join(root, 'many');
      mkdirSync(dir);
      const names = Array.from({length: 30}, (_, i) => (i % 5 === 0 ? `it's "$HOME" \`x\` \\ ${i}` : `f ${i}`));
      const paths = names.map((name) => join(dir, name));
      paths.forEach((p, i) => {
        if (i % 3 === 0) writeFileSync(p, `content ${i}`);
        else if (i % 3 === 1) mkdirSync(p);
        else if (i % 6 === 2) symlinkSync(names[0]!, p);
      });
      const results = await agent.stat(paths, {sha256: true});
      results.forEach((r, i) => {
        assert.equal(r.path, paths[i]);
        const kind = i % 3 === 0 ? 'file' : i % 3 === 1 ? 'directory' : i % 6 === 2 ? 'link' : 'absent';
        assert.equal(r.kind, kind, paths[i]);
        assert.equal(r.sha256, kind === 'file' ? sha(`content ${i}`) : undefined, paths[i]);
      });
    });

    it('reads files byte for byte; null when absent', async () => {
      const file = join(root, 'read');
      writeFileSync(file, ALL_BYTES);
      writeFileSync(join(root, 'empty'), '');
      assert.deepEqual(await agent.readFile(file), ALL_BYTES);
      assert.deepEqual(await agent.readFile(join(root, 'empty')), Buffer.alloc(0));
      assert.equal(await agent.readFile(join(root, 'nope')), null);
      // procfs says size 0 whatever a file holds: the content still comes whole.
      assert.deepEqual(await agent.readFile('/proc/version'), readFileSync('/proc/version'));
      await assert.rejects(agent.readFile(root), isPxe('E_REMOTE'));
    });

    it('reads the files of one tick in few requests, each call its own content or its own error', async () => {
      const dir = join(root, 'reads');
      mkdirSync(dir);
      const small = Array.from({length: 20}, (_, i) => join(dir, i % 7 === 3 ? `it's "$x" ${i}` : `f${i}`));
      small.forEach((p, i) => i % 4 !== 1 && writeFileSync(p, i % 5 === 0 ? ALL_BYTES : `line ${i}\n`));
      const big = join(dir, 'big');
      writeFileSync(big, Buffer.alloc(1048577, 7));
      const requests: string[] = [];
      const channel = (agent as unknown as {channel: {request: (op: string, ...rest: unknown[]) => unknown}}).channel;
      const request = channel.request.bind(channel);
      channel.request = (op, ...rest) => (requests.push(op), request(op, ...rest));
      try {
        const read = await Promise.all(small.map((p) => agent.readFile(p)));
        read.forEach((content, i) =>
          assert.deepEqual(content, i % 4 === 1 ? null : i % 5 === 0 ? ALL_BYTES : Buffer.from(`line ${i}\n`)),
        );
        assert.deepEqual(requests, ['reads', 'reads'], '20 small files and absent paths: two requests of 16 and 4');
        // An empty file is read with the others.
        requests.length = 0;
        writeFileSync(join(dir, 'empty'), '');
        const withEmpty = await Promise.all([join(dir, 'empty'), small[2]!].map((p) => agent.readFile(p)));
        assert.deepEqual(withEmpty, [Buffer.alloc(0), Buffer.from('line 2\n')]);
        assert.deepEqual(requests, ['reads']);
        // A directory and a large file need the one-file read: the batch falls back, each call alone.
        requests.length = 0;
        const mixed = await Promise.allSettled(
          [small[0]!, dir, join(dir, 'empty'), big, small[1]!].map((p) => agent.readFile(p)),
        );
        assert.deepEqual(requests, ['reads', 'read', 'read', 'read', 'read', 'read']);
        // procfs says size 0 whatever a file holds: such a path goes to its own read, the others still together.
        requests.length = 0;
        const withProc = await Promise.all([small[0]!, '/proc/version', small[2]!].map((p) => agent.readFile(p)));
        assert.deepEqual(requests, ['read', 'reads']);
        assert.deepEqual(withProc[1], readFileSync('/proc/version'));
        assert.deepEqual(withProc[2], Buffer.from('line 2\n'));
        // Sent in a batch all the same, the file that says size 0 and holds more voids it: nothing out of step.
        const reply = (await request('reads', [small[2]!, '/proc/version'], {what: 'reads'})) as {payload: Buffer};
        assert.equal(reply.payload.toString(), 'single');
        assert.deepEqual(await agent.readFile(small[2]!), Buffer.from('line 2\n'));
        assert.deepEqual(mixed[0], {status: 'fulfilled', value: ALL_BYTES});
        assert.equal(mixed[1]!.status, 'rejected');
        assert.ok(isPxe('E_REMOTE')((mixed[1] as PromiseRejectedResult).reason));
        assert.deepEqual(mixed[2], {status: 'fulfilled', value: Buffer.alloc(0)});
        assert.deepEqual(mixed[3], {status: 'fulfilled', value: Buffer.alloc(1048577, 7)});
        assert.deepEqual(mixed[4], {status: 'fulfilled', value: null});
      } finally {
        channel.request = request;
      }
    });

    it('writes atomically, and leaves an identical file untouched (mtime included)', async () => {
      const file = join(root, 'write me');
      assert.deepEqual(await agent.writeFile(file, ALL_BYTES, {mode: 0o600}), {changed: true});
      assert.deepEqual(readFileSync(file), ALL_BYTES);
      assert.deepEqual(await agent.readFile(file), ALL_BYTES);
      assert.equal(statSync(file).mode & 0o7777, 0o600);
      utimesSync(file, 1_000_000, 1_000_000);
      assert.deepEqual(await agent.writeFile(file, ALL_BYTES, {mode: 0o600}), {changed: false});
      assert.equal(statSync(file).mtimeMs, 1_000_000_000);
      assert.deepEqual(await agent.writeFile(file, ALL_BYTES, {mode: 0o644, owner: 'nobody', group: 'nogroup'}), {
        changed: true,
      });
      const st = statSync(file);
      assert.equal(st.mtimeMs, 1_000_000_000, 'attributes alone do not rewrite the content');
      assert.equal(st.mode & 0o7777, 0o644);
      assert.equal(st.uid, Number(execFileSync('id', ['-u', 'nobody'], {encoding: 'utf8'})));
      assert.deepEqual(await agent.writeFile(file, 'new'), {changed: true});
      assert.equal(statSync(file).mode & 0o7777, 0o644, 'a replaced file keeps its attributes');
      assert.equal(statSync(file).uid, st.uid);
      assert.equal((await agent.readFile(file))!.toString(), 'new');
      assert.deepEqual(await agent.writeFile(join(root, 'empty-new'), ''), {changed: true});
      assert.deepEqual(await agent.readFile(join(root, 'empty-new')), Buffer.alloc(0));
      assert.deepEqual(tempsIn(root), []);
    });

    it('runs the validate command on the temp file; a refusal keeps the old file', async () => {
      const file = join(root, 'validated.conf');
      writeFileSync(file, 'good\n');
      const check = [
        'sh',
        '-c',
        'grep -q good "$1" || { echo "line 1: bad config in $1" >&2; exit 1; }',
        'check',
        '%s',
      ];
      await assert.rejects(
        agent.writeFile(file, 'bad\n', {validate: check}),
        (e: unknown) => isPxe('E_CONFIG_CHECK')(e) && /line 1: bad config/.test((e as Error).message),
      );
      assert.equal(readFileSync(file, 'utf8'), 'good\n');
      assert.deepEqual(tempsIn(root), []);
      assert.deepEqual(await agent.writeFile(file, 'good too\n', {validate: check}), {changed: true});
      assert.equal((await agent.readFile(file))!.toString(), 'good too\n');
    });

    it('backs up replaced files with bounded retention', async () => {
      const file = join(root, 'backed.conf');
      const dir = `/var/lib/pxeprov/backup${file}`;
      for (let i = 0; i < 7; i++) {
        const r = await agent.writeFile(file, `version ${i}\n`, {backup: true});
        if (i === 0) assert.equal(r.backup, undefined);
        else {
          assert.equal(readFileSync(r.backup!, 'utf8'), `version ${i - 1}\n`);
          assert.ok(r.backup!.startsWith(`${dir}/`));
        }
      }
      assert.ok(readdirSync(dir).length <= 5);
      rmSync(`/var/lib/pxeprov/backup${root}`, {recursive: true, force: true});
    });

    it('removes stale temp files of killed runs on the next write of that name', async () => {
      const file = join(root, 'stale');
      writeFileSync(join(root, '.stale.pxeprov-tmp.999999999'), 'partial');
      writeFileSync(join(root, '.other.pxeprov-tmp.999999999'), 'not mine');
      await agent.writeFile(file, 'x');
      assert.equal((await agent.readFile(file))!.toString(), 'x');
      assert.deepEqual(tempsIn(root), ['.other.pxeprov-tmp.999999999']);
      rmSync(join(root, '.other.pxeprov-tmp.999999999'));
    });

    it('uploads and downloads streams, verifying sha256', async () => {
      const big = Buffer.alloc(3 * 1024 * 1024 + 7);
      for (let i = 0; i < big.length; i += 4096) big[i] = (i / 4096) % 256;
      const file = join(root, 'big.iso');
      const chunks = () =>
        Readable.from(
          (function* () {
            for (let i = 0; i < big.length; i += 100_000) yield big.subarray(i, i + 100_000);
          })(),
        );
      assert.deepEqual(await agent.upload(file, chunks(), big.length, {sha256: sha(big)}), {changed: true});
      assert.equal(sha(readFileSync(file)), sha(big));
      const sink = new PassThrough();
      const got: Buffer[] = [];
      sink.on('data', (c: Buffer) => got.push(c));
      await agent.download(file, sink);
      assert.equal(sha(Buffer.concat(got)), sha(big));
      await assert.rejects(agent.upload(file, Readable.from([Buffer.from('short')]), 10), /ended after 5 of 10/);
      await assert.rejects(
        agent.upload(file, Readable.from([Buffer.from('other')]), 5, {sha256: sha('x')}),
        /sha256 mismatch/,
      );
      assert.equal(sha(readFileSync(file)), sha(big));
      assert.deepEqual(tempsIn(root), []);
      await assert.rejects(agent.download(join(root, 'nope'), new PassThrough()), isPxe('E_REMOTE'));
    });

    it('sets attributes, makes directories, removes, and links atomically', async () => {
      const dir = join(root, 'a/b/c');
      await agent.mkdir(dir, {parents: true, mode: 0o750});
      assert.equal(statSync(dir).mode & 0o7777, 0o750);
      await agent.mkdir(dir, {mode: 0o750});
      await assert.rejects(agent.mkdir(join(root, 'x/y')), isPxe('E_REMOTE'));
      await agent.setAttrs(dir, {mode: 0o700, owner: 'nobody'});
      assert.equal(statSync(dir).mode & 0o7777, 0o700);
      await agent.symlink('a/b', join(root, 'ln'));
      assert.equal(readlinkSync(join(root, 'ln')), 'a/b');
      await agent.symlink('a/b', join(root, 'ln'));
      await agent.symlink('a', join(root, 'ln'));
      assert.equal(readlinkSync(join(root, 'ln')), 'a', 'a link to a directory is replaced, not entered');
      assert.ok(!existsSync(join(root, 'a/a')));
      await agent.remove(join(root, 'ln'));
      assert.ok(!existsSync(join(root, 'ln')));
      await assert.rejects(agent.remove(join(root, 'a')), isPxe('E_REMOTE'));
      await agent.remove(join(root, 'a'), {recursive: true});
      assert.ok(!existsSync(join(root, 'a')));
      await agent.remove(join(root, 'a'));
      await assert.rejects(agent.setAttrs(join(root, 'nope'), {mode: 0o600}), isPxe('E_REMOTE'));
    });

    it('replaces a tree by renames and removes the old one', async () => {
      const to = join(root, 'tree');
      for (const [i, name] of ['new1', 'new2'].entries()) {
        const from = join(root, name);
        mkdirSync(join(from, 'sub'), {recursive: true});
        writeFileSync(join(from, 'sub/f'), name);
        await agent.replaceTree(from, to);
        assert.equal(readFileSync(join(to, 'sub/f'), 'utf8'), name, `round ${i}`);
        assert.ok(!existsSync(from));
      }
      assert.deepEqual(
        readdirSync(root).filter((n) => n.includes('pxeprov-old')),
        [],
      );
    });

    it('execs argv with stdin, env and cwd; binary stdout; rc', async () => {
      const r = await agent.exec(['sh', '-c', 'printf "%s|%s|" "$FOO" "$(pwd)"; cat; echo oops >&2; exit 7', 'x'], {
        stdin: ALL_BYTES,
        env: {FOO: "it's $(not) run"},
        cwd: root,
      });
      assert.equal(r.rc, 7);
      assert.deepEqual(r.stdout, Buffer.concat([Buffer.from(`it's $(not) run|${root}|`), ALL_BYTES]));
      assert.equal(r.stderr.toString(), 'oops\n');
      const args = ['-n', '$(id)', '`id`', "'", '"', 'a\nb', '*', ''];
      const echo = await agent.exec(['printf', '%s\\0', ...args]);
      assert.deepEqual(echo.stdout.toString().split('\0').slice(0, -1), args);
      assert.equal((await agent.exec(['false'])).rc, 1);
      assert.equal((await agent.exec(['/no/such/command'])).rc, 127);
    });

    it('fails an exec that outlives its timeout with E_TIMEOUT, and goes on', async () => {
      await assert.rejects(agent.exec(['sleep', '30'], {timeout: 1}), isPxe('E_TIMEOUT'));
      assert.equal((await agent.exec(['true'])).rc, 0);
    });

    it('hashes a tree: sorted entries, modes, sizes, sha256, link targets', async () => {
      const dir = join(root, 'media');
      mkdirSync(join(dir, 'b/c'), {recursive: true});
      writeFileSync(join(dir, 'b/c/initrd'), ALL_BYTES);
      writeFileSync(join(dir, 'a file'), 'x', {mode: 0o600});
      writeFileSync(join(dir, 'new\nline'), '');
      symlinkSync('b/c/initrd', join(dir, 'link'));
      assert.deepEqual(await agent.hashTree(`${dir}/`), [
        {path: 'a file', kind: 'file', mode: 0o600, size: 1, sha256: sha('x')},
        {path: 'b', kind: 'directory', mode: 0o755, size: lstatSync(join(dir, 'b')).size},
        {path: 'b/c', kind: 'directory', mode: 0o755, size: lstatSync(join(dir, 'b/c')).size},
        {path: 'b/c/initrd', kind: 'file', mode: 0o644, size: 512, sha256: sha(ALL_BYTES)},
        {path: 'link', kind: 'link', mode: 0o777, size: 10, target: 'b/c/initrd'},
        {path: 'new\nline', kind: 'file', mode: 0o644, size: 0, sha256: sha('')},
      ]);
      assert.deepEqual(await agent.hashTree(join(root, 'nope')), []);
    });

    it('lists a tree without reading content: sizes, mtimes, link targets, and what is neither file nor link', async () => {
      const dir = join(root, 'listed');
      mkdirSync(join(dir, 'images'), {recursive: true});
      writeFileSync(join(dir, 'images/vmlinuz'), ALL_BYTES);
      utimesSync(join(dir, 'images/vmlinuz'), 1700000000, 1700000000);
      writeFileSync(join(dir, 'odd\nname'), 'xy');
      symlinkSync('/etc/shadow', join(dir, 'planted'));
      execFileSync('mkfifo', [join(dir, 'fifo')]);
      const mtime = (p: string) => Math.floor(lstatSync(join(dir, p)).mtimeMs / 1000);
      assert.deepEqual(await agent.listTree(dir), [
        {path: 'fifo', kind: 'other', mode: 0o644, size: 0, mtime: mtime('fifo')},
        {
          path: 'images',
          kind: 'directory',
          mode: 0o755,
          size: lstatSync(join(dir, 'images')).size,
          mtime: mtime('images'),
        },
        {path: 'images/vmlinuz', kind: 'file', mode: 0o644, size: 512, mtime: 1700000000},
        {path: 'odd\nname', kind: 'file', mode: 0o644, size: 2, mtime: mtime('odd\nname')},
        {path: 'planted', kind: 'link', mode: 0o777, size: 11, mtime: mtime('planted'), target: '/etc/shadow'},
      ]);
      assert.deepEqual(await agent.listTree(join(root, 'nope')), []);
    });

    it('puts many new files into a staging tree in one request, each checked, and stays in step after a refusal', async () => {
      const tree = join(root, 'staging');
      mkdirSync(tree, {mode: 0o755});
      // Files are hashed in batches of about 32 MiB while the next ones arrive: this tree makes two.
      const big = Buffer.alloc(33 * 1024 * 1024 + 3, 7);
      const content: Record<string, Buffer> = {
        '.treeinfo': Buffer.from('[general]\n'),
        'images/pxeboot/initrd.img': big,
        'Packages/a b $(x).rpm': ALL_BYTES,
        'Packages/-n': Buffer.from('an option?'),
        'Packages/back\\slash': Buffer.from('sha256sum escapes this name'),
        'Packages/empty': Buffer.alloc(0),
      };
      const files = (entries: Record<string, Buffer>, wrong?: string) =>
        Object.entries(entries).map(([path, data]) => ({
          path,
          size: data.length,
          sha256: path === wrong ? sha('x') : sha(data),
          open: () => Readable.from([data]),
        }));
      let sent = 0;
      await agent.putTree(tree, files(content), {onSent: (n) => (sent += n)});
      assert.equal(
        sent,
        Object.values(content).reduce((sum, d) => sum + d.length, 0),
      );
      for (const [path, data] of Object.entries(content)) {
        assert.equal(sha(readFileSync(join(tree, path))), sha(data), path);
        assert.equal(statSync(join(tree, path)).mode & 0o777, 0o644);
      }
      // A name that exists (a planted link here) is refused, never followed.
      writeFileSync(join(root, 'victim'), 'keep');
      symlinkSync(join(root, 'victim'), join(tree, 'planted'));
      await assert.rejects(agent.putTree(tree, files({planted: Buffer.from('evil')})), isPxe('E_REMOTE'));
      // The same inside a run of small files written by one tar.
      await assert.rejects(
        agent.putTree(
          tree,
          files({'run/a': Buffer.from('a'), planted: Buffer.from('evil'), 'run/b': Buffer.from('b')}),
        ),
        /planted exists already/,
      );
      assert.equal(readFileSync(join(root, 'victim'), 'utf8'), 'keep');
      await assert.rejects(
        agent.putTree(tree, files({'new/one': Buffer.from('1'), 'new/two': Buffer.from('2')}, 'new/two')),
        /sha256 mismatch/,
      );
      await assert.rejects(
        agent.putTree(tree, files({'new/big': big, 'new/after': Buffer.from('3')}, 'new/big')),
        /sha256 mismatch after transfer: new\/big/,
      );
      // In a later batch than the first.
      await assert.rejects(
        agent.putTree(tree, files({'late/big': big, 'late/x': Buffer.from('4'), 'late/y': Buffer.from('5')}, 'late/y')),
        /sha256 mismatch after transfer: late\/y$/,
      );
      await assert.rejects(
        agent.putTree(tree, [
          {path: 'short', size: 10, sha256: sha('x'), open: () => Readable.from([Buffer.from('short')])},
        ]),
        /short: the local stream ended after 5 of 10/,
      );
      for (const path of ['../escape', '/abs', 'a/./b', 'a//b', 'new\nline'])
        await assert.rejects(agent.putTree(tree, files({[path]: Buffer.from('x')})), isPxe('E_REMOTE'));
      assert.equal(existsSync(join(root, 'escape')), false);
      // A directory other users can change is refused as a whole.
      const open = join(root, 'open');
      mkdirSync(open);
      execFileSync('chmod', ['0777', open]);
      await assert.rejects(agent.putTree(open, files({f: Buffer.from('x')})), /other users can change/);
      assert.deepEqual(readdirSync(open), []);
      // Still in step: the next request is served.
      assert.equal((await agent.readFile(join(tree, '.treeinfo')))!.toString(), '[general]\n');
    });

    it('refuses relative paths before sending anything', async () => {
      await assert.rejects(agent.stat(['etc/passwd']), isPxe('E_REMOTE'));
      await assert.rejects(agent.writeFile('x', 'y'), isPxe('E_REMOTE'));
    });
  });
}

describe('read-only agent (check mode)', () => {
  it('refuses every write in the agent itself and keeps serving reads', async () => {
    const root = mkdtempSync(join(sshd.dir, 'ro-'));
    const file = join(root, 'f');
    writeFileSync(file, 'old');
    const agent = await connect(sshd.spec({shell: '/bin/dash'}), {readOnly: true});
    try {
      assert.equal(agent.readOnly, true);
      const writes: Array<() => Promise<unknown>> = [
        () => agent.writeFile(file, 'new content'),
        () => agent.upload(file, Readable.from([Buffer.from('streamed')]), 8),
        () => agent.setAttrs(file, {mode: 0o600}),
        () => agent.mkdir(join(root, 'd')),
        () => agent.remove(file),
        () => agent.symlink('f', join(root, 'l')),
        () => agent.replaceTree(root, join(root, 'x')),
        () =>
          agent.putTree(root, [{path: 'p', size: 4, sha256: 'x', open: () => Readable.from([Buffer.from('data')])}]),
      ];
      for (const write of writes) await assert.rejects(write(), isPxe('E_READ_ONLY'));
      assert.equal(readFileSync(file, 'utf8'), 'old');
      assert.deepEqual(readdirSync(root), ['f']);
      assert.equal((await agent.readFile(file))!.toString(), 'old');
      assert.equal((await agent.stat([file]))[0]!.size, 3);
    } finally {
      await agent.close();
    }
  });
});

describe('agent on a target without openssl', () => {
  it('checks uploads with sha256sum instead, naming a file that does not match', async () => {
    // dash in a mount namespace of its own where /usr/bin/openssl is a program that fails.
    const dir = mkdtempSync(join(sshd.dir, 'no-openssl-'));
    writeFileSync(join(dir, 'openssl'), '#!/bin/sh\nexit 1\n', {mode: 0o755});
    writeFileSync(
      join(dir, 'shell'),
      `#!/bin/sh\nexec unshare -m /bin/sh -c 'mount --bind "$1" /usr/bin/openssl && shift && exec /bin/dash "$@"' shell ${join(dir, 'openssl')} "$@"\n`,
      {mode: 0o755},
    );
    const agent = await connect(sshd.spec({shell: join(dir, 'shell')}));
    try {
      assert.equal((await agent.exec(['openssl', 'version'])).rc, 1);
      const root = mkdtempSync(join(sshd.dir, 'no-openssl-root-'));
      const big = Buffer.alloc(2 * 1024 * 1024, 5);
      await agent.upload(join(root, 'big'), Readable.from([big]), big.length);
      assert.equal(sha(readFileSync(join(root, 'big'))), sha(big));
      const tree = join(root, 'tree');
      mkdirSync(tree, {mode: 0o755});
      const entry = (path: string, data: Buffer, hash = sha(data)) => ({
        path,
        size: data.length,
        sha256: hash,
        open: () => Readable.from([data]),
      });
      // sha256sum escapes a name holding a backslash: "\\HASH  NAME".
      await agent.putTree(tree, [entry('a/back\\slash', big), entry('-n', Buffer.from('x'))]);
      assert.equal(sha(readFileSync(join(tree, 'a/back\\slash'))), sha(big));
      await assert.rejects(
        agent.putTree(tree, [entry('b/one', big), entry('b/two', Buffer.from('y'), sha('z'))]),
        /sha256 mismatch after transfer: b\/two$/,
      );
    } finally {
      await agent.close();
    }
  });
});

describe('tree upload onto a full file system', () => {
  it('fails naming what could not be written, a run of small files as well as a large file', async () => {
    const dir = mkdtempSync(join(sshd.dir, 'full-'));
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', dir]);
    try {
      const entry = (path: string, data: Buffer) => ({
        path,
        size: data.length,
        sha256: sha(data),
        open: () => Readable.from([data]),
      });
      const small = Buffer.alloc(700 * 1024, 1);
      for (const [files, error] of [
        [[entry('run/a', small), entry('run/b', small)], /could not write the archive of files up to run\/b/],
        [[entry('big', Buffer.alloc(9 * 1024 * 1024, 2))], /could not write 9437184 bytes to .*\/big \(disk full\?\)/],
      ] as const) {
        rmSync(join(dir, 'tree'), {recursive: true, force: true});
        mkdirSync(join(dir, 'tree'), {mode: 0o755});
        // The agent ends after such a failure (the stream is out of step): one connection each.
        const agent = await connect(sshd.spec({shell: '/bin/dash'}));
        try {
          await assert.rejects(agent.putTree(join(dir, 'tree'), [...files]), error);
        } finally {
          await agent.close();
        }
      }
    } finally {
      execFileSync('umount', [dir]);
    }
  });
});
