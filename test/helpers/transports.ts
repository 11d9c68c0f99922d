/**
 * The two transports a client can use, behind one call, so that a policy test runs over both from
 * one list (test/integration/policies.test.ts):
 *
 *   http  POST /graphql (JSON), with the call's headers
 *   ws    graphql-ws on ws://…/graphql, with the call's headers as connectionParams
 *
 * Both answer `{ data?, errors? }` as the client received it; http adds its status and headers.
 */
import { createClient, type Client } from 'graphql-ws';
import { request } from 'undici';
import WebSocket from 'ws';
import type { Harness } from './gateway';

export interface OperationCall {
  query?: string;
  variables?: Record<string, unknown>;
  /**
   * The variables as JSON text, sent as they are: for values too deep for a client's own
   * JSON.stringify (the gateway must refuse them, not the test).
   */
  rawVariables?: string;
  operationName?: string;
  documentId?: string;
  headers?: Record<string, string>;
}

export interface ClientError {
  message: string;
  locations?: unknown;
  path?: Array<string | number>;
  extensions?: Record<string, any>;
}

export interface OperationAnswer {
  data?: unknown;
  errors?: ClientError[];
  /** HTTP only. */
  status?: number;
  /** HTTP only: the response headers. */
  headers?: Record<string, string | string[] | undefined>;
}

export interface Transport {
  name: 'http' | 'ws';
  run(h: Harness, call: OperationCall): Promise<OperationAnswer>;
}

export const http: Transport = {
  name: 'http',
  async run(h, call) {
    const { headers = {}, rawVariables, ...body } = call;
    const res = await request(h.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: withRawVariables(JSON.stringify(body), rawVariables),
    });
    const json = (await res.body.json()) as OperationAnswer;
    return { ...json, status: res.statusCode, headers: res.headers };
  },
};

/** A JSON object text with `"variables": <raw>` added. */
function withRawVariables(json: string, raw: string | undefined): string {
  return raw === undefined ? json : `${json.slice(0, -1)}${json === '{}' ? '' : ','}"variables":${raw}}`;
}

interface TrackedClient {
  client: Client;
  /** Resolves once its socket is closed (or was never opened). */
  closed(): Promise<void>;
}

const clients = new Map<string, TrackedClient>();

/** One graphql-ws client per gateway and set of connection parameters, closed by {@link closeClients}. */
export function wsClientFor(h: Harness, connectionParams: Record<string, string> = {}): Client {
  const key = `${h.url} ${JSON.stringify(connectionParams)}`;
  let tracked = clients.get(key);
  if (!tracked) {
    const client = createClient({
      url: h.url.replace(/^http/, 'ws'),
      webSocketImpl: WebSocket,
      retryAttempts: 0,
      lazy: true,
      connectionParams,
    });
    let open = false;
    let onClosed: () => void = () => undefined;
    client.on('opened', () => {
      open = true;
    });
    client.on('closed', () => {
      open = false;
      onClosed();
    });
    tracked = {
      client,
      closed: () => (open ? new Promise<void>((resolve) => (onClosed = resolve)) : Promise.resolve()),
    };
    clients.set(key, tracked);
  }
  return tracked.client;
}

/** Disposes every client made by {@link wsClientFor} and waits for their sockets to close. */
export async function closeClients(): Promise<void> {
  const all = [...clients.values()];
  clients.clear();
  await Promise.all(
    all.map(async ({ client, closed }) => {
      const done = closed();
      await client.dispose();
      await Promise.race([done, new Promise((r) => setTimeout(r, 2_000))]);
    }),
  );
}

/**
 * One operation over a bare graphql-ws socket, with the subscribe message written by hand (for
 * payloads no client library would serialize). Answers the first `next` or `error`.
 */
export function runOverRawWs(h: Harness, call: OperationCall): Promise<OperationAnswer> {
  const socket = new WebSocket(h.url.replace(/^http/, 'ws'), 'graphql-transport-ws');
  const { headers = {}, rawVariables, ...payload } = call;
  return new Promise<OperationAnswer>((resolve, reject) => {
    socket.on('error', reject);
    socket.on('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload: headers })));
    socket.on('message', (data) => {
      const message = JSON.parse(String(data)) as { type: string; payload?: unknown };
      if (message.type === 'connection_ack') {
        socket.send(
          '{"id":"1","type":"subscribe","payload":' +
            `${withRawVariables(JSON.stringify({ query: '', ...payload }), rawVariables)}}`,
        );
      } else if (message.type === 'next') resolve(message.payload as OperationAnswer);
      else if (message.type === 'error') resolve({ errors: message.payload as ClientError[] });
    });
    socket.on('close', (code) => reject(new Error(`closed with ${code}`)));
  }).finally(() => socket.close());
}

/** The first answer of one operation over graphql-ws: a result, or the errors of an `error` message. */
export function runOverWs(client: Client, call: OperationCall): Promise<OperationAnswer> {
  const { headers: _headers, ...payload } = call;
  return new Promise((resolve, reject) => {
    let settled = false;
    const done = (answer: OperationAnswer) => {
      if (settled) return;
      settled = true;
      resolve(answer);
    };
    // graphql-ws requires a query string; a documentId-only payload sends an empty one.
    client.subscribe({ query: '', ...payload } as { query: string }, {
      next: (value) => done(value as OperationAnswer),
      error: (error) => (Array.isArray(error) ? done({ errors: error as ClientError[] }) : reject(error)),
      complete: () => done({}),
    });
  });
}

export const ws: Transport = {
  name: 'ws',
  run: (h, call) =>
    call.rawVariables !== undefined ? runOverRawWs(h, call) : runOverWs(wsClientFor(h, call.headers), call),
};

export const TRANSPORTS: Transport[] = [http, ws];
