/**
 * upstream: builds the process-wide upstream clients from configuration: one keep-alive Pool per
 * origin (shared registry), one signer per credential, one Keystone token cache, and the run
 * watcher that polls for subscriptions; created once at start-up and closed at shutdown. Traced
 * (src/telemetry), the guards, the token cache and the watcher make their spans.
 */
import type { CloudFunctionsEndpoint, GatewayConfig, IdentityConfig } from '../config';
import { TELEMETRY_OFF, type Telemetry } from '../telemetry';
import { ActivationWatcher } from '../subscriptions/activation-watcher';
import { RunRegistry } from '../subscriptions/runs';
import { CloudFunctionsClient } from './cloudfunctions/client';
import { createSigner } from './cloudfunctions/signer';
import { KeystoneAuth } from './compute/auth';
import { NovaClient } from './compute/client';
import { PoolRegistry, type UpstreamObserver } from './http';
import { UpstreamGuard, type GuardEvents } from './resilience';
import { SharedReads, type SharedOutcome } from './shared-reads';
import type { FleetEngine } from '../fleet/engine';

/** UTC offset of each region's local time (v2.0 activation time filters are local). */
const REGION_UTC_OFFSET_HOURS = { kr: 9, sg: 8, jp: 9 } as const;

export interface Upstreams {
  functions: CloudFunctionsClient;
  compute: NovaClient;
  keystone: KeystoneAuth;
  /** Waits for runs to finish (subscriptions): one poller per run, for the whole process. */
  watcher: ActivationWatcher;
  /** The runs this gateway started and that have not finished yet. */
  runs: RunRegistry;
  /** One guard (retries, circuit breaker) per upstream service. */
  guards: { cloudfunctions: UpstreamGuard; identity: UpstreamGuard; compute: UpstreamGuard };
  /** The gateway's tracing (off: {@link TELEMETRY_OFF}); its spans are flushed by the gateway's close. */
  telemetry: Telemetry;
  /** Lets queued requests finish, then closes every connection. */
  close(): Promise<void>;
}

/**
 * Where the upstreams are, resolved: a remote API with credentials for each (the embedded
 * emulators are started first, see src/gateway.ts). The compiler tells these from configured
 * targets, so no client can be built for an upstream that has not been resolved.
 */
export interface UpstreamTargets {
  cloudFunctions: CloudFunctionsEndpoint;
  compute: { identity: IdentityConfig; region?: string };
}

export interface UpstreamOptions {
  observer?: UpstreamObserver;
  /** Retries and breaker state changes, for logs and metrics. */
  events?: GuardEvents;
  /** Shared-read outcomes (cache hits, de-duplicated reads), for metrics. */
  onSharedRead?: (service: 'cloudfunctions' | 'compute' | 'identity', outcome: SharedOutcome) => void;
  /** Clock for token expiry (tests); default Date.now. */
  now?: () => number;
  telemetry?: Telemetry;
  /** The shared Redis, when configured (src/fleet): shared reads and pollers across replicas. */
  fleet?: FleetEngine | undefined;
}

export function createUpstreams(
  config: GatewayConfig,
  targets: UpstreamTargets,
  options: UpstreamOptions = {},
): Upstreams {
  const { observer, now, events, onSharedRead, telemetry = TELEMETRY_OFF } = options;
  const spans = telemetry.upstream;
  const shared = new SharedReads({
    dedupe: config.sharing.dedupe,
    ttlMs: config.sharing.cacheTtlMs,
    ...(onSharedRead ? { onOutcome: onSharedRead } : {}),
  });
  const guards = {
    cloudfunctions: new UpstreamGuard('cloudfunctions', config.resilience, { events, spans }),
    identity: new UpstreamGuard('identity', config.resilience, { events, spans }),
    compute: new UpstreamGuard('compute', config.resilience, { events, spans }),
  };
  const cf = targets.cloudFunctions;
  const { identity } = targets.compute;
  const catalog = { ...config.compute, region: targets.compute.region ?? config.compute.region };
  const pools = new PoolRegistry(config.upstreamHttp);
  const functions = new CloudFunctionsClient({
    origin: cf.origin,
    basePath: cf.basePath,
    generation: cf.generation,
    utcOffsetHours: REGION_UTC_OFFSET_HOURS[config.cloudFunctions.region],
    signer: createSigner(cf.credentials.accessKey, cf.credentials.secretKey),
    dispatcher: pools.get(cf.origin),
    guard: guards.cloudfunctions,
    shared,
    ...(observer ? { observer } : {}),
  });
  // Open the identity pool now; the compute origin comes from the catalog (or NOVA_URL) later.
  pools.get(new URL(identity.authUrl).origin);
  const keystone = new KeystoneAuth({
    identity,
    compute: catalog,
    pools,
    guard: guards.identity,
    ...(observer ? { observer } : {}),
    ...(now ? { now } : {}),
    ...(spans ? { spans } : {}),
  });
  const compute = new NovaClient({
    auth: keystone,
    pools,
    microversion: config.compute.microversion,
    guard: guards.compute,
    shared,
    ...(observer ? { observer } : {}),
  });
  const watcher = new ActivationWatcher(functions, {
    maxWaitMs: config.subscriptions.maxWaitMs,
    maxIntervalMs: config.subscriptions.maxPollIntervalMs,
    maxPollers: config.subscriptions.maxPollers,
    ...(spans ? { spans } : {}),
  });
  const runs = new RunRegistry({ rememberMs: config.subscriptions.maxWaitMs });
  return { functions, compute, keystone, watcher, runs, guards, telemetry, close: () => pools.close() };
}
