// Test-side HTTP client for the compute emulator: an undici Pool (so concurrent calls really are concurrent)
// and a few builders for Keystone request bodies. Nothing here comes from the emulator's own code.
import { Pool } from 'undici';
import {
  startComputeEmulator,
  type ComputeEmulator,
  type ComputeEmulatorOptions,
  type ComputeEmulatorUser,
} from '../../../src/emulators/compute';

/** 2026-11-25T12:00:00Z, on a whole second so printed times are exact. */
export const NOW = Date.UTC(2026, 10, 25, 12, 0, 0);
export const DAY = 24 * 3600 * 1000;
export const HOUR = 3600 * 1000;

export const ALICE: ComputeEmulatorUser = { name: 'alice', password: 'alice-pw', project: 'team-a' };
export const ROOT: ComputeEmulatorUser = {
  name: 'root',
  password: 'root-pw',
  project: 'ops',
  roles: ['admin', 'member'],
};
export const BOB: ComputeEmulatorUser = {
  name: 'bob',
  password: 'bob-pw',
  project: 'team-b',
  domain: 'Partners',
  userId: 'b0b00000000000000000000000000001',
  projectId: 'b0b0000000000000000000000000000f',
};
export const APP_CRED = { id: 'app-cred-1', secret: 'app-secret-1', user: 'alice' };

export const UNAUTHORIZED = {
  error: { code: 401, title: 'Unauthorized', message: 'The request you have made requires authentication.' },
};

export interface CallOptions {
  headers?: Record<string, string>;
  body?: unknown;
  rawBody?: string;
}

export interface CallResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;

  json: any;
}

export interface Harness {
  emulator: ComputeEmulator;
  /** Moves the emulator clock. */
  clock: { now: number };
  call(method: string, path: string, opts?: CallOptions): Promise<CallResult>;
  /** A fresh token for `user` (password method, default scope). */
  login(user?: ComputeEmulatorUser): Promise<string>;
  /** GET on Nova with a token and an optional microversion. */
  nova(path: string, token: string, microversion?: string, headers?: Record<string, string>): Promise<CallResult>;
  close(): Promise<void>;
}

export function passwordAuth(
  user: { name?: string; id?: string; password: string; domain?: Record<string, string> },
  scope?: unknown,
): unknown {
  const u: Record<string, unknown> = { password: user.password };
  if (user.id !== undefined) u.id = user.id;
  if (user.name !== undefined) {
    u.name = user.name;
    u.domain = user.domain ?? { id: 'default' };
  }
  return {
    auth: {
      identity: { methods: ['password'], password: { user: u } },
      ...(scope === undefined ? {} : { scope }),
    },
  };
}

export async function startHarness(options: Partial<ComputeEmulatorOptions> = {}): Promise<Harness> {
  const clock = { now: NOW };
  const emulator = await startComputeEmulator({
    users: [ALICE, ROOT, BOB],
    applicationCredentials: [APP_CRED],
    now: () => clock.now,
    ...options,
  });
  const client = new Pool(emulator.url, { connections: 16 });
  const call = async (method: string, path: string, opts: CallOptions = {}): Promise<CallResult> => {
    const headers: Record<string, string> = { ...opts.headers };
    let body: string | undefined = opts.rawBody;
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
  const login = async (user: ComputeEmulatorUser = ALICE): Promise<string> => {
    const domain: Record<string, string> = user.domain === undefined ? { id: 'default' } : { name: user.domain };
    const r = await call('POST', '/identity/v3/auth/tokens?nocatalog', {
      body: passwordAuth({ name: user.name, password: user.password, domain }),
    });
    if (r.status !== 201) throw new Error(`login failed: ${r.status} ${r.text}`);
    return r.headers['x-subject-token'] as string;
  };
  const nova = (
    path: string,
    token: string,
    microversion?: string,
    headers: Record<string, string> = {},
  ): Promise<CallResult> =>
    call('GET', `/compute/v2.1${path}`, {
      headers: {
        'x-auth-token': token,
        ...(microversion === undefined ? {} : { 'openstack-api-version': `compute ${microversion}` }),
        ...headers,
      },
    });
  return {
    emulator,
    clock,
    call,
    login,
    nova,
    async close() {
      await client.close();
      await emulator.close();
    },
  };
}

/** Nova's naive UTC form with microseconds, computed from epoch ms. */
export const novaTime = (ms: number): string => new Date(ms).toISOString().replace('Z', '000');
