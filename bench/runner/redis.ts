/**
 * redis: the redis-server the fleet phase's replicas share (bench/runner/fleet.ts): Debian's package
 * (`bash scripts/install-redis.sh`), on a free loopback port, persistence off, tracked by children.ts
 * like every other child, so it is ended by pid however the bench ends. Its own module because the
 * bench starts its own server (never one already running on the machine, which may hold other data)
 * and must not leave it behind.
 *
 * If the bench is killed outright (SIGKILL leaves it no chance to end its children), the server gets
 * the kernel's parent-death signal: it is started through util-linux `setpriv --pdeathsig SIGKILL`
 * when that is there (the gateways watch their parent themselves, bench/parent-watch.ts).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createConnection } from 'node:net';
import { freePort, stopChild, track } from './children';

export const REDIS_SERVER_PATH = process.env.REDIS_SERVER_PATH ?? '/usr/bin/redis-server';
const SETPRIV = ['/usr/bin/setpriv', '/bin/setpriv'].find((p) => existsSync(p));

/** Why the fleet phase cannot run here, or undefined when it can. */
export function redisMissing(): string | undefined {
  return existsSync(REDIS_SERVER_PATH)
    ? undefined
    : `no redis-server at ${REDIS_SERVER_PATH} (bash scripts/install-redis.sh, or set REDIS_SERVER_PATH)`;
}

export class BenchRedis {
  readonly port: number;
  readonly version: string;
  readonly #child: ChildProcess;

  private constructor(child: ChildProcess, port: number, version: string) {
    this.#child = child;
    this.port = port;
    this.version = version;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** The server's pid (not setpriv's: setpriv execs redis-server, so they are the same process). */
  get pid(): number {
    return this.#child.pid ?? 0;
  }

  /** Starts a server and waits (at most 10 s) until it accepts connections. */
  static async start(): Promise<BenchRedis> {
    const missing = redisMissing();
    if (missing) throw new Error(missing);
    const port = await freePort();
    const serverArgs = [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      // Persistence off: nothing written to disk, nothing read at start.
      '--save',
      '',
      '--appendonly',
      'no',
      '--protected-mode',
      'no',
      '--loglevel',
      'warning',
    ];
    const [command, commandArgs] = SETPRIV
      ? [SETPRIV, ['--pdeathsig', 'SIGKILL', REDIS_SERVER_PATH, ...serverArgs]]
      : [REDIS_SERVER_PATH, serverArgs];
    const child = track(spawn(command, commandArgs, { stdio: ['ignore', 'pipe', 'pipe'] }));
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000)));
    child.stderr!.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000)));
    // Ready when it answers PING (its "ready" line is a notice, below --loglevel warning).
    await new Promise<void>((resolve, reject) => {
      const finish = (error?: Error) => {
        clearTimeout(timer);
        clearInterval(poll);
        child.off('exit', onExit);
        if (error) reject(error);
        else resolve();
      };
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        finish(new Error(`redis-server did not start on port ${port} within 10 s:\n${output}`));
      }, 10_000);
      const onExit = (code: number | null) =>
        finish(new Error(`redis-server exited with ${code} before it was ready:\n${output}`));
      let asking = false;
      const poll = setInterval(() => {
        if (asking) return;
        asking = true;
        void ping(port).then((ok) => {
          asking = false;
          if (ok) finish();
        });
      }, 50);
      child.once('exit', onExit);
    });
    return new BenchRedis(child, port, await serverVersion(port));
  }

  stop(): Promise<void> {
    return stopChild(this.#child, 5_000);
  }
}

/** One RESP command on a fresh connection; the raw reply, or undefined on any failure (500 ms deadline). */
export async function redisCommand(port: number, ...words: string[]): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    let reply = '';
    const finish = (value: string | undefined) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(value);
    };
    const timer = setTimeout(() => finish(undefined), 500);
    socket.once('error', () => finish(undefined));
    socket.on('data', (chunk: Buffer) => {
      reply += chunk.toString('utf8');
      if (complete(reply)) finish(reply);
    });
    socket.write(`*${words.length}\r\n${words.map((w) => `$${Buffer.byteLength(w)}\r\n${w}\r\n`).join('')}`);
  });
}

/** Whether a reply is whole: a simple line, or a bulk string with all its bytes. */
function complete(reply: string): boolean {
  const lineEnd = reply.indexOf('\r\n');
  if (lineEnd === -1) return false;
  if (reply[0] !== '$') return true;
  const length = Number(reply.slice(1, lineEnd));
  return length < 0 || Buffer.byteLength(reply) >= lineEnd + 2 + length + 2;
}

async function ping(port: number): Promise<boolean> {
  return (await redisCommand(port, 'PING')) === '+PONG\r\n';
}

async function serverVersion(port: number): Promise<string> {
  const info = await redisCommand(port, 'INFO', 'server');
  return /redis_version:([^\r\n]+)/.exec(info ?? '')?.[1] ?? '?';
}

/** Commands the server has processed since it started (INFO stats), or NaN when it cannot be read. */
export async function commandsProcessed(port: number): Promise<number> {
  const info = await redisCommand(port, 'INFO', 'stats');
  const match = /total_commands_processed:(\d+)/.exec(info ?? '');
  return match ? Number(match[1]) : NaN;
}
