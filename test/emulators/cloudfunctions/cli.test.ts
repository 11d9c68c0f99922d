// The standalone emulator (`npm run emulator`, src/emulators/cloudfunctions/cli.ts) as its own process: the
// security review's deep-params request used to kill it (a RangeError thrown from a worker's message event
// when a queued run was handed over), so this test sends that request to a real child process while every
// worker is busy and checks that the process is still alive and answering afterwards.
import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { request } from 'undici';
import { nestedJson } from '../hazards';
import { sign } from './helpers';

const ROOT = resolve(__dirname, '..', '..', '..');
const ACCESS_KEY = 'cli-test-access-key';
const SECRET_KEY = 'cli-test-secret-key';

interface Started {
  child: ChildProcess;
  url: string;
  output: () => string;
}

function startCli(): Promise<Started> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/emulators/cloudfunctions/cli.ts'], {
    cwd: ROOT,
    env: {
      ...process.env,
      EMULATOR_PORT: '0',
      EMULATOR_HOST: '127.0.0.1',
      EMULATOR_ACCESS_KEY: ACCESS_KEY,
      EMULATOR_SECRET_KEY: SECRET_KEY,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (chunk) => (out += chunk));
  child.stderr!.on('data', (chunk) => (out += chunk));
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => reject(new Error(`emulator did not start:\n${out}`)), 30_000);
    const check = (): void => {
      const match = /NCP Cloud Functions emulator: (http:\/\/127\.0\.0\.1:\d+) /.exec(out);
      if (match) {
        clearTimeout(timer);
        child.stdout!.off('data', check);
        resolvePromise({ child, url: match[1]!, output: () => out });
      }
    };
    child.stdout!.on('data', check);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`emulator exited early (${code ?? signal}):\n${out}`));
    });
  });
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

async function call(url: string, method: string, path: string, body?: string): Promise<{ status: number; json: any }> {
  const timestamp = String(Date.now());
  const res = await request(`${url}${path}`, {
    method: method as 'GET',
    headers: {
      'x-ncp-apigw-timestamp': timestamp,
      'x-ncp-iam-access-key': ACCESS_KEY,
      'x-ncp-apigw-signature-v2': sign(method, path, timestamp, ACCESS_KEY, SECRET_KEY),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body,
    headersTimeout: 15_000,
    bodyTimeout: 15_000,
  });
  const text = await res.body.text();
  return { status: res.statusCode, json: text === '' ? undefined : JSON.parse(text) };
}

describe('standalone Cloud Functions emulator', () => {
  it('survives echo params nested 20,000 and 3,000 deep while every worker is busy, and keeps answering', async () => {
    const { child, url, output } = await startCli();
    try {
      // The CLI runs 4 workers: four 3-second runs take them all, so a run would now wait in the queue.
      for (let i = 0; i < 4; i += 1) {
        const slow = await call(url, 'POST', '/ncf/api/v2/packages/examples/actions/slow?timeout=0');
        expect(slow.status).toBe(202);
      }
      const startedAt = Date.now();
      for (const depth of [20000, 3000]) {
        const r = await call(
          url,
          'POST',
          '/ncf/api/v2/packages/examples/actions/echo?timeout=10000',
          nestedJson(depth),
        );
        expect([depth, r.status, r.json]).toEqual([
          depth,
          400,
          {
            error: {
              errorCode: '100',
              message: 'Bad Request Exception',
              details: 'The request body is not valid JSON: it is nested more than 1000 levels deep.',
            },
          },
        ]);
      }
      // Past the moment the slow runs end and the queue would have been served.
      await new Promise((r) => setTimeout(r, Math.max(0, 3500 - (Date.now() - startedAt))));
      expect([child.exitCode, child.signalCode]).toEqual([null, null]);

      const ping = await call(url, 'POST', '/ncf/api/v2/packages/-/actions/ping?timeout=10000');
      expect([ping.status, ping.json.content.response.result]).toEqual([200, { pong: true }]);
      const echo = await call(url, 'POST', '/ncf/api/v2/packages/examples/actions/echo', '{"n":3}');
      expect([echo.status, echo.json.content.response.result]).toEqual([200, { n: 3 }]);
      expect(echo.json.content.subject).toBe('ncf-emulator-user-1');
      expect(JSON.stringify(echo.json)).not.toContain(ACCESS_KEY);
      expect([child.exitCode, child.signalCode]).toEqual([null, null]);
      expect(output()).not.toMatch(/RangeError|Maximum call stack/);
    } finally {
      await stop(child);
    }
  }, 60_000);
});
