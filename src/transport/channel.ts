/**
 * The request/reply machinery on the agent's channel: pipelined requests (ids), frames routed to
 * their request, bodies written in order honouring backpressure, an idle timer on the request the
 * agent is working on (a ProgressTimer: time the control side was busy is not held against the host),
 * and the failure of every pending request when the connection drops.
 */
import {ERROR_CODES, PxeError} from '../errors.js';
import type {ErrorCode} from '../errors.js';
import {FrameError, FrameParser, encodeRequest, excerpt} from './frames.js';
import {ProgressTimer} from './progress-timer.js';

export interface Reply {
  ok: boolean;
  payload: Buffer;
  parts: Map<string, Buffer>;
}

export interface RequestOptions {
  /** What the request is about, for messages: a path or argv[0]. */
  what: string;
  body?: Buffer;
  /** Streams a body of `bodyLength` bytes through `write`; returns the trailer line to send after it, if any. */
  stream?: (write: (chunk: Buffer) => Promise<void>) => Promise<string | undefined>;
  bodyLength?: number;
  trailer?: string;
  /** Receives part frames (d/o/e) as they arrive instead of collecting them. */
  onPart?: (tag: string, chunk: Buffer) => void;
  timeoutMs?: number;
}

interface Pending {
  id: number;
  desc: string;
  timeoutMs: number;
  onPart?: (tag: string, chunk: Buffer) => void;
  parts: Map<string, Buffer[]>;
  resolve(reply: Reply): void;
  reject(error: Error): void;
}

/** The agent's stdio: an ssh2 exec channel, or a local child process's pipes (local.ts). */
export interface AgentStream {
  on(event: 'data', listener: (chunk: Buffer) => void): unknown;
  on(event: 'exit', listener: (code: number | null) => void): unknown;
  on(event: 'drain' | 'close', listener: () => void): unknown;
  off(event: 'data', listener: (chunk: Buffer) => void): unknown;
  off(event: 'drain' | 'close', listener: () => void): unknown;
  write(chunk: Buffer): boolean;
  /** No more requests: the agent sees EOF and exits. */
  end(): unknown;
  /** Stop the agent now. */
  close(): unknown;
  pause(): unknown;
  resume(): unknown;
  readonly stderr: {
    on(event: 'data', listener: (chunk: Buffer) => void): unknown;
    off(event: 'data', listener: (chunk: Buffer) => void): unknown;
  };
}

/** What carries the agent: one SSH connection (connection.ts) or a local child process (local.ts). */
export interface AgentLink {
  /** Runs a POSIX sh command line; its stdio becomes the agent's stream. */
  exec(command: string): Promise<AgentStream>;
  /** `listener` hears why the link went away (closed, failed). */
  onLost(listener: (reason: string) => void): void;
  /** Ends the link (and every jump connection under it). */
  end(): void;
  /** Settles once the link is closed. */
  readonly closed: Promise<void>;
}

/** Bootstrap frames (id 0) and stderr go to whoever starts the agent. */
export interface BootHandler {
  frame(tag: string, payload: Buffer): void;
  failed(error: PxeError): void;
}

/** Writes are gathered up to this size (an SSH packet's payload) before they go out. */
const BATCH_BYTES = 32 * 1024;

const BANNER_HINT =
  'a login banner, ~/.bashrc or ~/.profile that prints to stdout corrupts the agent stream: ' +
  'make it print only in interactive shells (case $- in *i*) ...) or to stderr';

export class AgentChannel {
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private writes: Promise<void> = Promise.resolve();
  /** Writes waiting for the end of this event-loop turn (see write). */
  private batch: Buffer[] = [];
  private batchBytes = 0;
  private dead?: (desc: string) => PxeError;
  private frame?: {id: number; tag: string; pending?: Pending; chunks: Buffer[]};
  /** The idle timer of the request at the head of the queue. */
  private idle?: {head: Pending; timer: ProgressTimer};
  private readonly parser: FrameParser;
  stderrTail = '';
  boot?: BootHandler;
  closing = false;

  constructor(
    readonly host: string,
    readonly channel: AgentStream,
    private readonly defaultTimeoutMs: number,
    private readonly redact: (text: string) => string,
  ) {
    this.parser = new FrameParser({
      start: (id, tag, length) => this.frameStart(id, tag, length),
      data: (chunk) => this.frameData(chunk),
      end: () => this.frameEnd(),
    });
    channel.on('data', (chunk: Buffer) => {
      this.touch();
      try {
        this.parser.push(chunk);
      } catch (error) {
        if (!(error instanceof FrameError)) throw error;
        const got = excerpt(error.received);
        this.fail(
          () =>
            new PxeError('E_AGENT', `the agent's output on ${host} is corrupt: got "${this.redact(got)}"`, {
              where: {host},
              hint: BANNER_HINT,
            }),
        );
        this.channel.close();
      }
    });
    channel.stderr.on('data', (chunk: Buffer) => {
      this.stderrTail = (this.stderrTail + chunk.toString('utf8')).slice(-8192);
    });
  }

  get isDead(): boolean {
    return this.dead !== undefined;
  }

  request(op: string, args: Array<string | Buffer>, options: RequestOptions): Promise<Reply> {
    const id = this.nextId++;
    const desc = `${op} ${options.what}`;
    return new Promise<Reply>((resolve, reject) => {
      if (this.dead) return reject(this.dead(desc));
      const p: Pending = {
        id,
        desc,
        timeoutMs: options.timeoutMs ?? this.defaultTimeoutMs,
        onPart: options.onPart,
        parts: new Map(),
        resolve,
        reject,
      };
      let header: Buffer;
      try {
        header = encodeRequest(id, op, args, options.bodyLength ?? options.body?.length ?? 0);
      } catch (error) {
        return reject(new PxeError('E_REMOTE', `${desc}: ${(error as Error).message}`, {where: {host: this.host}}));
      }
      this.pending.set(id, p);
      if (this.pending.size === 1) this.touch();
      this.queueWrite(async () => {
        await this.write(header);
        if (options.body?.length) await this.write(options.body);
        const trailer = options.stream ? await options.stream((chunk) => this.write(chunk)) : options.trailer;
        if (trailer !== undefined) await this.write(Buffer.from(`${trailer}\n`));
      });
    });
  }

  /** No more requests: what is still gathered goes out, then the agent sees EOF. */
  end(): void {
    void this.flush().catch(() => undefined);
    this.channel.end();
  }

  /** Raw bytes outside any request (bootstrap only). */
  send(bytes: Buffer): void {
    this.queueWrite(() => this.write(bytes));
  }

  private queueWrite(fn: () => Promise<void>): void {
    this.writes = this.writes.then(fn).catch(() => {
      // The failure reaches the requests through fail(); later writes see `dead` and stop.
    });
  }

  /**
   * Small writes of one event-loop turn (the headers and bodies of pipelined requests) leave together: one SSH
   * packet and one system call instead of one per frame part, which with dozens of hosts is most of the
   * control side's work and wakes the remote sshd far less often. A write that fills a batch sends it now.
   */
  private write(chunk: Buffer): Promise<void> {
    if (this.dead) return Promise.reject(new Error('channel closed'));
    this.touch();
    this.batch.push(chunk);
    this.batchBytes += chunk.length;
    if (this.batchBytes < BATCH_BYTES) {
      if (this.batch.length === 1) setImmediate(() => void this.flush().catch(() => undefined));
      return Promise.resolve();
    }
    return this.flush();
  }

  private flush(): Promise<void> {
    if (this.batch.length === 0 || this.dead) return Promise.resolve();
    const data = this.batch.length === 1 ? this.batch[0]! : Buffer.concat(this.batch, this.batchBytes);
    this.batch = [];
    this.batchBytes = 0;
    if (this.channel.write(data)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const done = (error?: Error) => {
        this.channel.off('drain', onDrain);
        this.channel.off('close', onClose);
        if (error) reject(error);
        else resolve();
      };
      const onDrain = () => done();
      const onClose = () => done(new Error('channel closed'));
      this.channel.on('drain', onDrain);
      this.channel.on('close', onClose);
    });
  }

  private head(): Pending | undefined {
    return this.pending.values().next().value;
  }

  /** Something moved: the request at the head of the queue gets its whole timeout again (a new head, a timer of its own). */
  private touch(): void {
    const head = this.head();
    if (head && this.idle?.head === head) return this.idle.timer.progress();
    this.idle?.timer.stop();
    this.idle =
      head && !this.dead ? {head, timer: new ProgressTimer(head.timeoutMs, () => this.timedOut(head))} : undefined;
  }

  private timedOut(head: Pending): void {
    const secs = head.timeoutMs / 1000;
    this.fail((desc) =>
      desc === head.desc
        ? new PxeError('E_TIMEOUT', `${desc} on ${this.host} made no progress for ${secs}s`, {where: {host: this.host}})
        : new PxeError(
            'E_TIMEOUT',
            `${desc} on ${this.host} was queued behind ${head.desc}, which timed out after ${secs}s`,
            {where: {host: this.host}},
          ),
    );
    this.channel.close();
  }

  private frameStart(id: number, tag: string, length: number): void {
    const pending = this.pending.get(id);
    if (id !== 0 && !pending) {
      throw new FrameError(Buffer.from(`#PXP1 ${id} ${tag} ${length} (no such request)`));
    }
    this.frame = {id, tag, pending, chunks: []};
  }

  private frameData(chunk: Buffer): void {
    const f = this.frame!;
    if (f.pending?.onPart && f.tag !== 'K' && f.tag !== 'E') f.pending.onPart(f.tag, chunk);
    else f.chunks.push(chunk);
  }

  private frameEnd(): void {
    const f = this.frame!;
    this.frame = undefined;
    const payload = Buffer.concat(f.chunks);
    if (f.id === 0) {
      if (f.tag === 'E') {
        const text = payload.toString('utf8');
        this.fail(
          () => new PxeError('E_AGENT', `the agent on ${this.host} failed: ${text}`, {where: {host: this.host}}),
        );
      } else this.boot?.frame(f.tag, payload);
      return;
    }
    const p = f.pending!;
    if (f.tag !== 'K' && f.tag !== 'E') {
      if (!p.onPart) p.parts.set(f.tag, [...(p.parts.get(f.tag) ?? []), payload]);
      return;
    }
    this.pending.delete(p.id);
    this.touch();
    const parts = new Map([...p.parts].map(([tag, chunks]) => [tag, Buffer.concat(chunks)]));
    if (f.tag === 'K') return p.resolve({ok: true, payload, parts});
    const text = payload.toString('utf8');
    const space = text.indexOf(' ');
    const code = text.slice(0, space);
    p.reject(
      new PxeError(
        code in ERROR_CODES ? (code as ErrorCode) : 'E_REMOTE',
        `${p.desc}: ${this.redact(text.slice(space + 1))}`,
        {
          where: {host: this.host},
        },
      ),
    );
  }

  /** Fail every pending request (and all later ones) with an error built for each. */
  fail(make: (desc: string) => PxeError): void {
    if (this.dead) return;
    this.dead = make;
    this.idle?.timer.stop();
    this.idle = undefined;
    for (const p of this.pending.values()) p.reject(make(p.desc));
    this.pending.clear();
    this.boot?.failed(make('agent start-up'));
  }

  /** The connection went away: E_DISCONNECTED naming the request in flight. */
  disconnected(reason: string): void {
    const head = this.head()?.desc;
    this.fail((desc) =>
      this.closing
        ? new PxeError('E_DISCONNECTED', `${desc}: the connection to ${this.host} was closed`, {
            where: {host: this.host},
          })
        : new PxeError(
            'E_DISCONNECTED',
            `the connection to ${this.host} dropped (${reason}) during ${desc}${head && head !== desc ? ` (queued behind ${head})` : ''}`,
            {where: {host: this.host}},
          ),
    );
  }
}
