/**
 * Graceful shutdown of the real process (src/main.ts, with its embedded compute emulator): on SIGTERM,
 * readiness fails first, operations in flight (HTTP and WebSocket) still finish, WebSocket clients
 * are then told the gateway is going away (1001), and the process exits 0.
 *
 * The Cloud Functions emulator runs in the test's process (NCP_API_URL), so the test sends the signal
 * only once every invoke has reached it: each is then in flight at the gateway, however slowly a
 * loaded machine let the process take them in (a fixed pause once let the signal overtake them).
 */
import { request } from 'undici';
import WebSocket from 'ws';
import { startCloudFunctionsEmulator, type CloudFunctionsEmulator } from '../../src/emulators/cloudfunctions';
import { TEST_CREDENTIALS } from '../helpers/gateway';
import { startGatewayProcess } from '../helpers/process';

const INVOKE_SLOW = (timeoutMs: number) =>
  'mutation { invokeAction(input: { package: "examples", action: "slow", ' +
  `timeoutMs: ${timeoutMs} }) { completed activation { result } } }`;

/** A Cloud Functions emulator of the test's own, whose examples/slow takes `slowActionMs`. */
async function withEmulator(
  slowActionMs: number,
  test: (emulator: CloudFunctionsEmulator, env: Record<string, string>) => Promise<void>,
): Promise<void> {
  const emulator = await startCloudFunctionsEmulator({ credentials: [TEST_CREDENTIALS], slowActionMs });
  try {
    await test(emulator, {
      NCP_ACCESS_KEY: TEST_CREDENTIALS.accessKey,
      NCP_SECRET_KEY: TEST_CREDENTIALS.secretKey,
      NCP_API_URL: `${emulator.url}/ncf/api/v2`,
    });
  } finally {
    await emulator.close();
  }
}

/** Resolves once `check` holds (polled every 20 ms); fails after `timeoutMs`, saying what it waited for. */
async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const slowInvokesSeen = (emulator: CloudFunctionsEmulator) =>
  emulator.countRequests({ method: 'POST', pathIncludes: '/actions/slow' });

async function status(url: string): Promise<number> {
  try {
    const res = await request(url);
    await res.body.dump();
    return res.statusCode;
  } catch {
    return 0;
  }
}

describe('graceful shutdown', () => {
  it('fails readiness, finishes the operation in flight, then exits 0', async () => {
    // The run (2.5 s) outlasts the delay (1.5 s): it is still in flight when the server closes.
    await withEmulator(2500, async (emulator, env) => {
      const { child, origin, output } = await startGatewayProcess({ ...env, GATEWAY_SHUTDOWN_DELAY_MS: '1500' });
      const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
      try {
        expect(await status(`${origin}/readyz`)).toBe(200);

        // A run in flight when the signal arrives.
        const inflight = request(`${origin}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ query: INVOKE_SLOW(10000) }),
        }).then(async (res) => ({ status: res.statusCode, body: (await res.body.json()) as any }));
        await until('the invoke reached the emulator', () => slowInvokesSeen(emulator) === 1);
        child.kill('SIGTERM');

        // During the delay: not ready (once the process has taken the signal), but alive and still serving.
        await until('readiness fails', async () => (await status(`${origin}/readyz`)) !== 200);
        expect(await status(`${origin}/readyz`)).toBe(503);
        expect(await status(`${origin}/healthz`)).toBe(200);

        const res = await inflight;
        expect(res.status).toBe(200);
        expect(res.body).toEqual({
          data: { invokeAction: { completed: true, activation: { result: { done: true } } } },
        });
        const code = await exited;
        if (code !== 0) console.log(output());
        expect(code).toBe(0);
        expect(output()).toMatch(
          /Shutting down: readiness now fails[\s\S]*Finishing in-flight operations[\s\S]*Stopped/,
        );
      } finally {
        if (child.exitCode === null) child.kill('SIGKILL');
      }
    });
  }, 40_000);

  it(
    'lets 16 slow invokes and a WebSocket mutation finish (longer than the old 10 s), ' +
      'closes sockets with 1001, refuses new requests, exits 0',
    () =>
      withEmulator(3000, async (emulator, env) => {
        const { child, origin, output } = await startGatewayProcess(env);
        const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
        try {
          const invoke = INVOKE_SLOW(30000);
          // The emulator runs 4 actions at a time: 17 runs of 3 s (16 and the socket's) take about 15 s.
          const inflight = Array.from({ length: 16 }, () =>
            request(`${origin}/graphql`, {
              method: 'POST',
              headers: { 'content-type': 'application/json' },
              body: JSON.stringify({ query: invoke }),
            }).then(async (res) => ({ status: res.statusCode, body: (await res.body.json()) as any })),
          );
          const socket = new WebSocket(`${origin.replace(/^http/, 'ws')}/graphql`, 'graphql-transport-ws');
          const messages: any[] = [];
          const closed = new Promise<{ code: number; reason: string }>((r) =>
            socket.once('close', (code, reason) => r({ code, reason: String(reason) })),
          );
          socket.on('open', () => socket.send(JSON.stringify({ type: 'connection_init' })));
          socket.on('message', (data) => {
            const message = JSON.parse(String(data));
            messages.push(message);
            if (message.type === 'connection_ack')
              socket.send(JSON.stringify({ id: 'm', type: 'subscribe', payload: { query: invoke } }));
          });
          await until('all 17 invokes reached the emulator', () => slowInvokesSeen(emulator) === 17);
          const signalledAt = Date.now();
          child.kill('SIGTERM');
          // Once it says so, the server is closing (the WebSocket's mutation keeps the port open).
          await until('the process is finishing in-flight operations', () =>
            output().includes('Finishing in-flight operations'),
          );

          // A new request meanwhile (the WebSocket's mutation keeps the port open) is refused in the envelope.
          const late = await request(`${origin}/graphql`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: '{"query":"{ __typename }"}',
          });
          expect({
            status: late.statusCode,
            connection: late.headers.connection,
            body: await late.body.json(),
          }).toEqual({
            status: 503,
            connection: 'close',
            body: {
              errors: [
                {
                  message: 'The gateway is shutting down; retry.',
                  extensions: { code: 'SHUTTING_DOWN', requestId: expect.any(String) },
                },
              ],
            },
          });

          const answers = await Promise.all(inflight).catch((e) => {
            console.log(output());
            throw e;
          });
          for (const answer of answers)
            expect(answer).toEqual({
              status: 200,
              body: { data: { invokeAction: { completed: true, activation: { result: { done: true } } } } },
            });
          expect(await closed).toEqual({ code: 1001, reason: 'The gateway is shutting down' });
          expect(messages.filter((m) => m.id === 'm')).toEqual([
            {
              id: 'm',
              type: 'next',
              payload: { data: { invokeAction: { completed: true, activation: { result: { done: true } } } } },
            },
            { id: 'm', type: 'complete' },
          ]);
          const code = await exited;
          if (code !== 0) console.log(output());
          expect(code).toBe(0);
          expect(Date.now() - signalledAt).toBeGreaterThan(10_000);
          expect(output()).toMatch(/"clean":true[^\n]*"msg":"Stopped"/);
        } finally {
          if (child.exitCode === null) child.kill('SIGKILL');
        }
      }),
    60_000,
  );

  it('refuses to start on a public address without client authentication, and says why', async () => {
    await expect(startGatewayProcess({ HOST: '0.0.0.0' })).rejects.toThrow(
      new RegExp(
        'GATEWAY_AUTH: is none \\(anyone can read and invoke\\), which is allowed only on a loopback HOST; ' +
          'HOST is 0\\.0\\.0\\.0',
      ),
    );
  }, 40_000);
});
