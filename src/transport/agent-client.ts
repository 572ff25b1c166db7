/**
 * The Agent over one AgentChannel: each method is one request (stat calls made in the same tick are
 * merged into one), arguments are checked here, replies parsed by the pure parsers.
 */
import {createHash} from 'node:crypto';
import type {Readable} from 'node:stream';
import {PxeError} from '../errors.js';
import type {AgentChannel, AgentLink, Reply} from './channel.js';
import {parseFacts} from './facts.js';
import {parseListing, parseStat, parseTree} from './payloads.js';
import {archiveSize, END as TAR_END, fileHeader, filePadding} from './tar.js';
import type {
  Agent,
  ExecOptions,
  ExecResult,
  Facts,
  FileAttrs,
  StatResult,
  TreeEntry,
  TreeUpload,
  WriteOptions,
  WriteResult,
} from './types.js';

interface StatCall {
  paths: string[];
  resolve(results: StatResult[]): void;
  reject(error: Error): void;
}

interface ReadCall {
  path: string;
  resolve(content: Buffer | null): void;
  reject(error: Error): void;
}

// The agent passes a stat request's paths as one argv: stay far below ARG_MAX (2 MiB on Linux).
const STAT_CHUNK_PATHS = 2000;
// Files per `reads` request: at most 1 MiB each, so a batch stays a few MiB.
const READ_BATCH_FILES = 16;
const PSEUDO_FS = /^\/(proc|sys)\//;
const STAT_CHUNK_BYTES = 256 * 1024;
// Files per putTree request: the agent reads three or four argument lines per file.
const PUT_TREE_FILES = 1000;
const TAR_FILE_BYTES = 8 * 1024 * 1024;
const TAR_RUN_BYTES = 32 * 1024 * 1024;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const PACKAGE_NAME = /^[a-z0-9][a-z0-9+.:-]*$/;

/**
 * Sends exactly `size` bytes of `content` through `write` (each chunk also to `sent`). A local stream that
 * fails, ends early or holds more is padded with zeros up to `size` (the agent waits for every byte announced)
 * and its error returned; no content at all sends padding only.
 */
async function sendExactly(
  content: Readable | undefined,
  size: number,
  write: (chunk: Buffer) => Promise<void>,
  sent?: (chunk: Buffer) => void,
): Promise<Error | undefined> {
  let done = 0;
  let failure: Error | undefined;
  try {
    for await (const data of content ?? []) {
      const chunk = typeof data === 'string' ? Buffer.from(data) : (data as Buffer);
      const take = chunk.subarray(0, size - done);
      if (take.length) {
        done += take.length;
        await write(take);
        sent?.(take);
      }
      if (take.length < chunk.length) throw new Error(`the local stream holds more than ${size} bytes`);
    }
    if (content && done < size) throw new Error(`the local stream ended after ${done} of ${size} bytes`);
  } catch (error) {
    failure = error as Error;
    (content as Readable | undefined)?.destroy();
  }
  for (let left = size - done; left > 0; left -= Math.min(left, 65536))
    await write(Buffer.alloc(Math.min(left, 65536)));
  return failure;
}

/** A tree upload's unit: one file as it is, or a run of small files in one tar archive of `archive` bytes. */
interface UploadEntry {
  files: TreeUpload[];
  archive?: number;
}

/**
 * Consecutive files of at most TAR_FILE_BYTES go into tar archives of about TAR_RUN_BYTES (the agent hashes in
 * batches of that size); a file alone stays as it is.
 */
export function uploadEntries(files: TreeUpload[]): UploadEntry[] {
  const entries: UploadEntry[] = [];
  let run: TreeUpload[] = [];
  let runBytes = 0;
  const close = () => {
    if (run.length === 1) entries.push({files: run});
    else if (run.length > 1) entries.push({files: run, archive: archiveSize(run)});
    run = [];
    runBytes = 0;
  };
  for (const file of files) {
    if (file.size > TAR_FILE_BYTES) {
      close();
      entries.push({files: [file]});
      continue;
    }
    run.push(file);
    runBytes += file.size;
    if (runBytes >= TAR_RUN_BYTES) close();
  }
  close();
  return entries;
}

function entryArgs(entry: UploadEntry): string[] {
  const files = entry.files.flatMap((f) => [f.path, String(f.size), f.sha256]);
  return entry.archive === undefined
    ? ['f', ...files]
    : ['t', String(entry.archive), String(entry.files.length), ...files];
}

export class AgentClient implements Agent {
  facts!: Facts;
  private readonly statQueues = new Map<boolean, StatCall[]>();
  private readQueue: ReadCall[] | undefined;

  constructor(
    readonly host: string,
    readonly readOnly: boolean,
    private readonly channel: AgentChannel,
    private readonly link: AgentLink,
  ) {}

  private error(code: 'E_REMOTE', message: string): PxeError {
    return new PxeError(code, message, {where: {host: this.host}});
  }

  private absolute(path: string, op: string): string {
    if (!path.startsWith('/') || path.includes('\0'))
      throw this.error('E_REMOTE', `${op} ${path}: paths must be absolute and free of NUL bytes`);
    return path;
  }

  private mode(attrs: FileAttrs): string {
    return attrs.mode === undefined ? '' : attrs.mode.toString(8);
  }

  async gatherFacts(packages: string[] = []): Promise<Facts> {
    const bad = packages.find((p) => !PACKAGE_NAME.test(p));
    if (bad !== undefined) throw this.error('E_REMOTE', `gatherFacts: ${JSON.stringify(bad)} is not a package name`);
    const reply = await this.channel.request('facts', packages, {what: 'facts'});
    this.facts = parseFacts(reply.payload, packages);
    return this.facts;
  }

  stat(paths: string[], options: {sha256?: boolean} = {}): Promise<StatResult[]> {
    const sha = options.sha256 === true;
    return new Promise((resolve, reject) => {
      paths.forEach((p) => this.absolute(p, 'stat'));
      if (paths.length === 0) return resolve([]);
      let queue = this.statQueues.get(sha);
      if (!queue) {
        queue = [];
        this.statQueues.set(sha, queue);
        setImmediate(() => this.flushStats(sha));
      }
      queue.push({paths, resolve, reject});
    });
  }

  /** One request for every stat call of this tick (in chunks that keep the agent's argv small). */
  private async flushStats(sha: boolean): Promise<void> {
    const calls = this.statQueues.get(sha) ?? [];
    this.statQueues.delete(sha);
    const chunks: string[][] = [[]];
    let bytes = 0;
    for (const path of calls.flatMap((c) => c.paths)) {
      if (chunks.at(-1)!.length >= STAT_CHUNK_PATHS || bytes + path.length > STAT_CHUNK_BYTES) {
        chunks.push([]);
        bytes = 0;
      }
      chunks.at(-1)!.push(path);
      bytes += path.length + 1;
    }
    try {
      const results = (await Promise.all(chunks.map((paths) => this.statChunk(paths, sha)))).flat();
      let off = 0;
      for (const call of calls) {
        call.resolve(results.slice(off, off + call.paths.length));
        off += call.paths.length;
      }
    } catch (error) {
      for (const call of calls) call.reject(error as Error);
    }
  }

  private async statChunk(paths: string[], sha: boolean): Promise<StatResult[]> {
    const what = paths.length === 1 ? paths[0]! : `${paths[0]} (+${paths.length - 1} paths)`;
    const reply = await this.channel.request('stat', [sha ? 's' : 'n', ...paths], {what});
    try {
      return parseStat(paths, reply.payload, sha);
    } catch (error) {
      throw this.error('E_REMOTE', `stat ${what}: ${(error as Error).message}`);
    }
  }

  /** The reads of one tick go together (`reads`, a few files per request); one alone is a `read`. */
  readFile(path: string): Promise<Buffer | null> {
    return new Promise((resolve, reject) => {
      this.absolute(path, 'readFile');
      if (!this.readQueue) {
        this.readQueue = [];
        setImmediate(() => this.flushReads());
      }
      this.readQueue.push({path, resolve, reject});
    });
  }

  private flushReads(): void {
    const queued = this.readQueue ?? [];
    this.readQueue = undefined;
    const settle = (call: ReadCall, read: Promise<Buffer | null>) => read.then(call.resolve, call.reject);
    // procfs and sysfs files say size 0 whatever they hold: the batch would send them back to a read each.
    const calls: ReadCall[] = [];
    for (const call of queued) {
      if (PSEUDO_FS.test(call.path)) settle(call, this.readOne(call.path));
      else calls.push(call);
    }
    for (let i = 0; i < calls.length; i += READ_BATCH_FILES) {
      const batch = calls.slice(i, i + READ_BATCH_FILES);
      if (batch.length === 1) settle(batch[0]!, this.readOne(batch[0]!.path));
      else
        this.readBatch(batch.map((c) => c.path)).then(
          (contents) =>
            batch.forEach((call, n) =>
              settle(call, contents ? Promise.resolve(contents[n]!) : this.readOne(call.path)),
            ),
          (error: Error) => batch.forEach((call) => call.reject(error)),
        );
    }
  }

  private async readOne(path: string): Promise<Buffer | null> {
    const reply = await this.channel.request('read', [path], {what: path});
    return reply.parts.get('d') ?? (reply.payload.toString() === 'absent' ? null : Buffer.alloc(0));
  }

  /** The contents (null: absent) in order, or undefined when the agent says to read each path alone. */
  private async readBatch(paths: string[]): Promise<Array<Buffer | null> | undefined> {
    const what = `${paths[0]} (+${paths.length - 1} paths)`;
    const reply = await this.channel.request('reads', paths, {what});
    if (reply.payload.toString() === 'single') return undefined;
    const sizes = (reply.parts.get('z') ?? Buffer.alloc(0)).toString().split('\n').slice(0, -1);
    const data = reply.parts.get('d') ?? Buffer.alloc(0);
    const total = sizes.reduce((sum, size) => sum + (size === '-' ? 0 : Number(size)), 0);
    if (sizes.length !== paths.length || sizes.some((s) => s !== '-' && !/^\d+$/.test(s)) || total !== data.length)
      throw this.error('E_REMOTE', `reads ${what}: the agent's reply does not match its sizes`);
    let offset = 0;
    return sizes.map((size) => {
      if (size === '-') return null;
      offset += Number(size);
      return data.subarray(offset - Number(size), offset);
    });
  }

  async download(path: string, into: NodeJS.WritableStream): Promise<void> {
    const raw = this.channel.channel;
    const reply = await this.channel.request('read', [this.absolute(path, 'download')], {
      what: path,
      onPart: (_tag, chunk) => {
        if (!into.write(chunk)) {
          raw.pause();
          into.once('drain', () => raw.resume());
        }
      },
    });
    if (reply.payload.toString() === 'absent') throw this.error('E_REMOTE', `download ${path}: no such file`);
    await new Promise<void>((resolve, reject) => {
      into.once('error', reject);
      into.end(() => resolve());
    });
  }

  private writeArgs(path: string, size: number, options: WriteOptions, sha256 = ''): string[] {
    return [
      this.absolute(path, 'write'),
      String(size),
      this.mode(options),
      options.owner ?? '',
      options.group ?? '',
      options.backup ? '1' : '0',
      sha256,
      ...(options.validate ?? []),
    ];
  }

  private writeResult(reply: Reply): WriteResult {
    const [changed, ...backup] = reply.payload.toString('utf8').split(' ');
    const result: WriteResult = {changed: changed === '1'};
    if (backup.join(' ')) result.backup = backup.join(' ');
    return result;
  }

  async writeFile(path: string, content: Buffer | string, options: WriteOptions = {}): Promise<WriteResult> {
    const body = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
    const sha = createHash('sha256').update(body).digest('hex');
    const reply = await this.channel.request('write', this.writeArgs(path, body.length, options, sha), {
      what: path,
      body,
      trailer: `c ${sha}`,
    });
    return this.writeResult(reply);
  }

  async upload(
    path: string,
    content: Readable,
    size: number,
    options: WriteOptions & {sha256?: string; onSent?: (bytes: number) => void} = {},
  ): Promise<WriteResult> {
    let localError: Error | undefined;
    const reply = this.channel.request('write', this.writeArgs(path, size, options, options.sha256), {
      what: path,
      bodyLength: size,
      stream: async (write) => {
        // With the expected sha256 given, the agent's own check (hashed as the bytes arrive) is
        // enough: hashing here too would cost the CPU that encryption needs.
        const hash = options.sha256 === undefined ? createHash('sha256') : undefined;
        localError = await sendExactly(content, size, write, (chunk) => {
          hash?.update(chunk);
          options.onSent?.(chunk.length);
        });
        return localError ? 'a' : `c ${hash ? hash.digest('hex') : options.sha256}`;
      },
    });
    try {
      return this.writeResult(await reply);
    } catch (error) {
      if (localError)
        throw new PxeError('E_REMOTE', `upload ${path}: ${localError.message}`, {
          where: {host: this.host},
          cause: localError,
        });
      throw error;
    }
  }

  async putTree(dir: string, files: TreeUpload[], options: {onSent?: (bytes: number) => void} = {}): Promise<void> {
    const root = this.absolute(dir, 'putTree');
    const bad = files.find(
      (f) =>
        f.path.split('/').some((part) => part === '' || part === '.' || part === '..') ||
        f.path.includes('\n') ||
        f.path.includes('\0'),
    );
    if (bad) throw this.error('E_REMOTE', `putTree ${root}: ${JSON.stringify(bad.path)} is not a plain relative name`);
    for (let i = 0; i < files.length; i += PUT_TREE_FILES)
      await this.putTreeRequest(root, files.slice(i, i + PUT_TREE_FILES), options);
  }

  private async putTreeRequest(
    root: string,
    files: TreeUpload[],
    options: {onSent?: (bytes: number) => void},
  ): Promise<void> {
    let localError: Error | undefined;
    const entries = uploadEntries(files);
    // After a local failure the agent still waits for every byte announced: the rest is padding.
    const send = async (file: TreeUpload, write: (chunk: Buffer) => Promise<void>) => {
      const error = await sendExactly(localError ? undefined : file.open(), file.size, write, (chunk) =>
        options.onSent?.(chunk.length),
      );
      if (error && !localError) localError = new Error(`${file.path}: ${error.message}`);
    };
    const reply = this.channel.request('puttree', [root, ...entries.flatMap(entryArgs)], {
      what: `${root} (${files.length} files)`,
      bodyLength: entries.reduce((sum, e) => sum + (e.archive ?? e.files[0]!.size), 0),
      stream: async (write) => {
        for (const entry of entries) {
          if (entry.archive === undefined) {
            await send(entry.files[0]!, write);
            continue;
          }
          for (const file of entry.files) {
            await write(fileHeader(file.path, file.size));
            await send(file, write);
            await write(filePadding(file.size));
          }
          await write(TAR_END);
        }
        return localError ? 'a' : 'c';
      },
    });
    try {
      await reply;
    } catch (error) {
      if (localError)
        throw new PxeError('E_REMOTE', `putTree ${root}: ${localError.message}`, {
          where: {host: this.host},
          cause: localError,
        });
      throw error;
    }
  }

  async setAttrs(path: string, attrs: FileAttrs): Promise<void> {
    await this.channel.request(
      'attrs',
      [this.absolute(path, 'setAttrs'), this.mode(attrs), attrs.owner ?? '', attrs.group ?? ''],
      {what: path},
    );
  }

  async mkdir(path: string, options: FileAttrs & {parents?: boolean} = {}): Promise<void> {
    const args = [
      this.absolute(path, 'mkdir'),
      options.parents ? '1' : '0',
      this.mode(options),
      options.owner ?? '',
      options.group ?? '',
    ];
    await this.channel.request('mkdir', args, {what: path});
  }

  async remove(path: string, options: {recursive?: boolean} = {}): Promise<void> {
    await this.channel.request('rm', [this.absolute(path, 'remove'), options.recursive ? '1' : '0'], {what: path});
  }

  async symlink(target: string, path: string): Promise<void> {
    if (!target || target.includes('\0')) throw this.error('E_REMOTE', `symlink ${path}: bad target`);
    await this.channel.request('link', [target, this.absolute(path, 'symlink')], {what: path});
  }

  async lock(dir: string, holder: string): Promise<string | undefined> {
    const reply = (
      await this.channel.request('lock', [this.absolute(dir, 'lock'), holder.replace(/[\r\n]/g, ' ')], {what: dir})
    ).payload.toString();
    return reply === 'ok' ? undefined : reply.replace(/^held /, '');
  }

  async replaceTree(from: string, to: string): Promise<void> {
    await this.channel.request('swap', [this.absolute(from, 'replaceTree'), this.absolute(to, 'replaceTree')], {
      what: to,
    });
  }

  async exec(argv: string[], options: ExecOptions = {}): Promise<ExecResult> {
    if (argv.length === 0) throw this.error('E_REMOTE', 'exec: empty argv');
    const env = Object.entries(options.env ?? {});
    const badEnv = env.find(([k]) => !ENV_NAME.test(k));
    if (badEnv)
      throw this.error('E_REMOTE', `exec ${argv[0]}: bad environment variable name ${JSON.stringify(badEnv[0])}`);
    // With its own timeout the agent runs the command under timeout(1); otherwise the request's idle
    // timeout applies (and, stuck, costs the connection).
    const timeoutS = options.timeout === undefined ? 0 : Math.max(1, Math.ceil(options.timeout));
    const body = options.stdin === undefined ? Buffer.alloc(0) : Buffer.from(options.stdin);
    const started = Date.now();
    const reply = await this.channel.request(
      'exec',
      [String(timeoutS), options.cwd ?? '', String(env.length), ...env.map(([k, v]) => `${k}=${v}`), ...argv],
      {
        what: argv[0]!,
        body,
        timeoutMs: timeoutS ? (timeoutS + 10) * 1000 : undefined,
      },
    );
    const rc = Number(reply.payload.toString());
    const result = {
      rc,
      stdout: reply.parts.get('o') ?? Buffer.alloc(0),
      stderr: reply.parts.get('e') ?? Buffer.alloc(0),
    };
    // timeout(1) exits 124 (busybox: 143/137) when it had to stop the command.
    if (timeoutS && [124, 137, 143].includes(rc) && Date.now() - started >= timeoutS * 1000 - 50) {
      throw new PxeError('E_TIMEOUT', `exec ${argv[0]} on ${this.host} timed out after ${timeoutS}s`, {
        where: {host: this.host},
      });
    }
    return result;
  }

  async hashTree(dir: string): Promise<TreeEntry[]> {
    const root = this.absolute(dir, 'hashTree').replace(/(.)\/+$/, '$1');
    const reply = await this.channel.request('tree', [root], {what: root});
    if (reply.payload.toString() === 'absent') return [];
    try {
      return parseTree(root, reply.payload);
    } catch (error) {
      throw this.error('E_REMOTE', `hashTree ${dir}: ${(error as Error).message}`);
    }
  }

  async listTree(dir: string): Promise<TreeEntry[]> {
    const root = this.absolute(dir, 'listTree').replace(/(.)\/+$/, '$1');
    const reply = await this.channel.request('list', [root], {what: root});
    if (reply.payload.toString() === 'absent') return [];
    try {
      return parseListing(root, reply.payload);
    } catch (error) {
      throw this.error('E_REMOTE', `listTree ${dir}: ${(error as Error).message}`);
    }
  }

  async close(): Promise<void> {
    if (this.channel.isDead) {
      this.link.end();
      return;
    }
    this.channel.closing = true;
    const closed = new Promise<void>((resolve) => {
      void this.link.closed.then(resolve);
      setTimeout(resolve, 2000).unref();
    });
    this.channel.end();
    this.link.end();
    await closed;
  }
}
