/**
 * Graceful shutdown of the real process (src/main.ts with its embedded emulators): on SIGTERM,
 * readiness fails first, operations in flight (HTTP and WebSocket) still finish, WebSocket clients
 * are then told the gateway is going away (1001), and the process exits 0.
 */
import { request } from 'undici';
import WebSocket from 'ws';
import { startGatewayProcess as startGateway } from '../helpers/process';

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
    const { child, origin, output } = await startGateway({ GATEWAY_SHUTDOWN_DELAY_MS: '700' });
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    try {
      expect(await status(`${origin}/readyz`)).toBe(200);

      // A run that takes 3 seconds, in flight when the signal arrives.
      const inflight = request(`${origin}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          query:
            'mutation { invokeAction(input: { package: "examples", action: "slow", timeoutMs: 10000 }) { completed activation { result } } }',
        }),
      }).then(async (res) => ({ status: res.statusCode, body: (await res.body.json()) as any }));
      await new Promise((r) => setTimeout(r, 300));
      child.kill('SIGTERM');
      await new Promise((r) => setTimeout(r, 200));

      // During the delay: not ready, but alive and still serving.
      expect(await status(`${origin}/readyz`)).toBe(503);
      expect(await status(`${origin}/healthz`)).toBe(200);

      const res = await inflight;
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ data: { invokeAction: { completed: true, activation: { result: { done: true } } } } });
      const code = await exited;
      if (code !== 0) console.log(output());
      expect(code).toBe(0);
      expect(output()).toMatch(/Shutting down: readiness now fails[\s\S]*Finishing in-flight operations[\s\S]*Stopped/);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  }, 40_000);

  it('lets 16 slow invokes and a WebSocket mutation finish (longer than the old 10 s), closes sockets with 1001, refuses new requests, exits 0', async () => {
    const { child, origin, output } = await startGateway({});
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    try {
      const invoke =
        'mutation { invokeAction(input: { package: "examples", action: "slow", timeoutMs: 30000 }) { completed activation { result } } }';
      // The emulator runs 4 actions at a time: 16 runs of 3 s take about 12 s.
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
      await new Promise((r) => setTimeout(r, 500));
      const signalledAt = Date.now();
      child.kill('SIGTERM');
      await new Promise((r) => setTimeout(r, 300));

      // A new request meanwhile (the WebSocket's mutation keeps the port open) is refused in the envelope.
      const late = await request(`${origin}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"query":"{ __typename }"}',
      });
      expect({ status: late.statusCode, connection: late.headers.connection, body: await late.body.json() }).toEqual({
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
  }, 60_000);

  it('refuses to start on a public address without client authentication, and says why', async () => {
    await expect(startGateway({ HOST: '0.0.0.0' })).rejects.toThrow(
      /GATEWAY_AUTH: is none \(anyone can read and invoke\), which is allowed only on a loopback HOST; HOST is 0\.0\.0\.0/,
    );
  }, 40_000);
});
