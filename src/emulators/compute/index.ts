// Local stand-in for OpenStack Keystone v3 (password and application-credential tokens, service catalog) and
// Nova's os-instance-actions API with microversions 2.1-2.96, on one port: Keystone under /identity/v3, Nova
// under /compute/v2.1. It shares no code with the gateway (see docs/upstream/emulators.md); its HTTP plumbing
// is the emulators' own kit (../kit).
import { safeLogger, serve, Traffic } from '../kit';
import { Directory, type ComputeEmulatorAppCredential, type ComputeEmulatorUser } from './directory';
import { IDENTITY_PREFIX, Keystone } from './keystone';
import { mustParseMicroversion } from './microversion';
import { COMPUTE_PREFIX, Nova } from './nova';
import { seed as loadSeed } from './seed';
import { createRequestHandler, type RecordedComputeRequest } from './server';
import { ComputeStore } from './store';
import { TokenStore } from './tokens';

export type { ComputeEmulatorAppCredential, ComputeEmulatorUser } from './directory';
export { domainFor, projectIdFor, userIdFor } from './directory';
export type { RecordedComputeRequest } from './server';
export { ComputeStore, actionMessage, actionUpdatedAt } from './store';
export type {
  ActionEvent,
  ActionEventInput,
  ComputeServer,
  InstanceAction,
  InstanceActionInput,
  ServerInput,
} from './store';
export type { TimeInput } from './time';
export { hostIdFor, MAX_LIMIT } from './nova';
export * from './seed';

export interface ComputeEmulatorOptions {
  /** Default '127.0.0.1'. */
  host?: string;
  /** Default 0 (any free port). */
  port?: number;
  users: ComputeEmulatorUser[];
  applicationCredentials?: ComputeEmulatorAppCredential[];
  /** Region of the routable compute endpoint in the catalog; default 'RegionOne'. */
  region?: string;
  /** Token lifetime; default 1 hour. expires_at = issued_at + ttl. */
  tokenTtlMs?: number;
  /** Default '2.1'. */
  minMicroversion?: string;
  /** Default '2.96'; anything above answers 406. */
  maxMicroversion?: string;
  /** Default true: servers and actions owned by the first user's project (see seed.ts). */
  seed?: boolean;
  /** Clock, epoch ms. Default Date.now. */
  now?: () => number;
  /** Fixed delay before every response; default 0. */
  latencyMs?: number;
  logger?: (line: string) => void;
}

export interface ComputeEmulator {
  /** Origin, e.g. http://127.0.0.1:4321. */
  readonly url: string;
  /** Keystone base, `${url}/identity/v3`. */
  readonly authUrl: string;
  /** Nova base as published in the catalog, `${url}/compute/v2.1`. */
  readonly computeUrl: string;
  readonly requests: RecordedComputeRequest[];
  /** Clears `requests` in place and restarts peakInFlight from the requests in flight now. */
  resetRequests(): void;
  /** Successful POST /v3/auth/tokens since start. */
  readonly tokensIssued: number;
  /** Invalidates every issued token: the next call with one gets 401. */
  revokeAllTokens(): void;
  /** Highest number of requests handled at the same time since start or resetRequests(). */
  readonly peakInFlight: number;
  readonly store: ComputeStore;
  /** Closes the server and its keep-alive sockets. */
  close(): Promise<void>;
}

export async function startComputeEmulator(opts: ComputeEmulatorOptions): Promise<ComputeEmulator> {
  if (!opts.users || opts.users.length === 0) throw new Error('at least one user is required');
  const now = opts.now ?? Date.now;
  const host = opts.host ?? '127.0.0.1';
  const min = mustParseMicroversion(opts.minMicroversion ?? '2.1', 'minMicroversion');
  const max = mustParseMicroversion(opts.maxMicroversion ?? '2.96', 'maxMicroversion');
  const tokenTtlMs = opts.tokenTtlMs ?? 60 * 60 * 1000;
  if (!(tokenTtlMs > 0)) throw new Error(`tokenTtlMs must be positive: ${tokenTtlMs}`);

  const directory = new Directory(opts.users, opts.applicationCredentials);
  const tokens = new TokenStore(now, tokenTtlMs);
  const store = new ComputeStore();
  if (opts.seed !== false) {
    const owner = directory.users[0]!;
    loadSeed(store, { projectId: owner.project.id, userId: owner.id, now: now() });
  }

  const log = safeLogger(opts.logger);
  // No clientError answer: a request Node's parser refuses gets Node's bare status, as eventlet-era Nova
  // gives a bare one too (see test/emulators/compute/robustness.test.ts).
  const served = await serve({ name: 'compute-emulator', host, port: opts.port ?? 0, log });
  const { url } = served;
  const authUrl = `${url}${IDENTITY_PREFIX}/v3`;
  const computeUrl = `${url}${COMPUTE_PREFIX}`;
  const catalog = { origin: url, authUrl, computeUrl, region: opts.region ?? 'RegionOne' };
  const traffic = new Traffic<RecordedComputeRequest>();
  served.server.on(
    'request',
    createRequestHandler({
      keystone: new Keystone({ directory, tokens, catalog }),
      nova: new Nova({ store, tokens, authUrl, computeUrl, min, max }),
      traffic,
      latencyMs: opts.latencyMs ?? 0,
      log,
    }),
  );

  let closing: Promise<void> | undefined;
  return {
    url,
    authUrl,
    computeUrl,
    requests: traffic.requests,
    store,
    get tokensIssued() {
      return tokens.issued;
    },
    revokeAllTokens() {
      tokens.revokeAll();
    },
    get peakInFlight() {
      return traffic.peakInFlight;
    },
    resetRequests() {
      traffic.reset();
    },
    close() {
      closing ??= served.close();
      return closing;
    },
  };
}
