// Test-side HTTP client for the emulator. It signs with its own few lines of HMAC (not the gateway's signer
// nor the emulator's verifier) and sends the path verbatim through an undici Pool, so tests control the
// exact bytes that are signed and put on the wire.
import { createHmac } from 'node:crypto';
import { Pool } from 'undici';
import {
  startCloudFunctionsEmulator,
  type CloudFunctionsEmulator,
  type CloudFunctionsEmulatorOptions,
} from '../../../src/emulators/cloudfunctions';

export const ACCESS_KEY = 'test-access-key';
export const SECRET_KEY = 'test-secret-key';

export function sign(
  method: string,
  pathAndQuery: string,
  timestamp: string,
  accessKey = ACCESS_KEY,
  secretKey = SECRET_KEY,
): string {
  return createHmac('sha256', secretKey)
    .update(`${method} ${pathAndQuery}\n${timestamp}\n${accessKey}`)
    .digest('base64');
}

export interface CallOptions {
  body?: unknown;
  rawBody?: string | Buffer;
  headers?: Record<string, string>;
  /** Override the signed headers; `null` drops one. */
  timestamp?: string | null;
  accessKey?: string | null;
  signature?: string | null;
  secretKey?: string;
  /** Sign this path instead of the one sent (to test what is covered by the signature). */
  signedPath?: string;
}

export interface CallResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;

  json: any;
}

export interface Harness {
  emulator: CloudFunctionsEmulator;
  call(method: string, path: string, opts?: CallOptions): Promise<CallResult>;
  close(): Promise<void>;
}

export async function startHarness(
  options: Partial<CloudFunctionsEmulatorOptions> = {},
  clock: () => number = options.now ?? Date.now,
): Promise<Harness> {
  const emulator = await startCloudFunctionsEmulator({
    credentials: [{ accessKey: ACCESS_KEY, secretKey: SECRET_KEY }],
    ...options,
  });
  // A pool, so that concurrent calls in a test really are concurrent (one connection would serialize them).
  const client = new Pool(emulator.url, { connections: 8 });
  const call = async (method: string, path: string, opts: CallOptions = {}): Promise<CallResult> => {
    const timestamp = opts.timestamp === undefined ? String(clock()) : opts.timestamp;
    const accessKey = opts.accessKey === undefined ? ACCESS_KEY : opts.accessKey;
    const signature =
      opts.signature === undefined
        ? sign(method, opts.signedPath ?? path, timestamp ?? '', accessKey ?? '', opts.secretKey ?? SECRET_KEY)
        : opts.signature;
    const headers: Record<string, string> = { ...opts.headers };
    if (timestamp !== null) headers['x-ncp-apigw-timestamp'] = timestamp;
    if (accessKey !== null) headers['x-ncp-iam-access-key'] = accessKey;
    if (signature !== null) headers['x-ncp-apigw-signature-v2'] = signature;
    let body: string | Buffer | undefined = opts.rawBody;
    if (opts.body !== undefined) body = JSON.stringify(opts.body);
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await client.request({ method: method as 'GET', path, headers, body });
    const text = await res.body.text();
    let json: unknown;
    try {
      json = text === '' ? undefined : JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: res.statusCode, headers: res.headers, text, json };
  };
  return {
    emulator,
    call,
    async close() {
      await client.close();
      await emulator.close();
    },
  };
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls until `fn` returns a value other than undefined (or fails after `timeoutMs`). */
export async function eventually<T>(fn: () => Promise<T | undefined> | T | undefined, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(25);
  }
}
