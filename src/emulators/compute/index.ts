// Local stand-in for OpenStack Keystone v3 (password and application-credential tokens, service catalog) and
// Nova's os-instance-actions API with microversions 2.1-2.96, on one port: Keystone under /identity/v3, Nova
// under /compute/v2.1. It shares no code with the gateway: see /work/shared/architecture.md ("src/emulators").
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Directory, type ComputeEmulatorAppCredential, type ComputeEmulatorUser } from './directory';
import { IDENTITY_PREFIX, Keystone } from './keystone';
import { mustParseMicroversion } from './microversion';
import { COMPUTE_PREFIX, Nova } from './nova';
import { seed as loadSeed } from './seed';
import { createRequestHandler, describeError, safeLogger, type InFlightStats, type RecordedComputeRequest } from './server';
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
  const server = http.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  // A server error after listen (accept failing with EMFILE, say) with no listener would be an uncaught
  // exception in the host process; it is logged and the server goes on.
  server.on('error', (err) => log(`compute-emulator: server error: ${describeError(err)}`));
  const port = (server.address() as AddressInfo).port;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  const authUrl = `${url}${IDENTITY_PREFIX}/v3`;
  const computeUrl = `${url}${COMPUTE_PREFIX}`;

  const requests: RecordedComputeRequest[] = [];
  const stats: InFlightStats = { inFlight: 0, peakInFlight: 0 };
  server.on(
    'request',
    createRequestHandler({
      keystone: new Keystone({ directory, tokens, catalog: { origin: url, authUrl, computeUrl, region: opts.region ?? 'RegionOne' } }),
      nova: new Nova({ store, tokens, authUrl, computeUrl, min, max }),
      requests,
      stats,
      latencyMs: opts.latencyMs ?? 0,
      logger: log,
    }),
  );
  log(`compute-emulator: listening on ${url}`);

  let closing: Promise<void> | undefined;
  return {
    url,
    authUrl,
    computeUrl,
    requests,
    store,
    get tokensIssued() {
      return tokens.issued;
    },
    revokeAllTokens() {
      tokens.revokeAll();
    },
    get peakInFlight() {
      return stats.peakInFlight;
    },
    resetRequests() {
      // In place, so a reference taken earlier keeps seeing the live list.
      requests.length = 0;
      stats.peakInFlight = stats.inFlight;
    },
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
