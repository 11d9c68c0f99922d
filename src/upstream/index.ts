/**
 * upstream: builds the process-wide upstream clients from configuration: one keep-alive Pool per
 * origin (shared registry), one signer per credential, one Keystone token cache, and the run
 * watcher that polls for subscriptions; created once at start-up and closed at shutdown. Traced
 * (src/telemetry), the guards, the token cache and the watcher make their spans.
 */
import type { Logger } from 'pino';
import type { CloudFunctionsEndpoint, GatewayConfig, IdentityConfig } from '../config';
import { InvokeSlots } from '../fleet/invoke-slots';
import type { PrincipalClass } from '../fleet/principal-key';
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
import { RedisRunLeases } from '../fleet/run-leases';

/** UTC offset of each region's local time (v2.0 activation time filters are local). */
const REGION_UTC_OFFSET_HOURS = { kr: 9, sg: 8, jp: 9 } as const;

export interface Upstreams {
  functions: CloudFunctionsClient;
  compute: NovaClient;
  keystone: KeystoneAuth;
  /** Waits for runs to finish (subscriptions): one poller per run, for the process (with Redis: the fleet). */
  watcher: ActivationWatcher;
  /** The runs this gateway started and that have not finished yet. */
  runs: RunRegistry;
  /** GATEWAY_INVOKE_CONCURRENCY: runs in flight on Cloud Functions (the fleet's with Redis). */
  invokeSlots: InvokeSlots;
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
  /** An invoke refused for want of a slot (GATEWAY_INVOKE_CONCURRENCY), for metrics. */
  onInvokeRefused?: (principalClass: PrincipalClass | 'unknown') => void;
  /** Where the invoke cap says that it counts alone (Redis down). */
  logger?: Logger;
}

export function createUpstreams(
  config: GatewayConfig,
  targets: UpstreamTargets,
  options: UpstreamOptions = {},
): Upstreams {
  const { observer, now, events, onSharedRead, telemetry = TELEMETRY_OFF, fleet } = options;
  const spans = telemetry.upstream;
  // With a fleet, the read cache and its invalidations are shared through Redis (src/fleet/read-store).
  const shared = new SharedReads({
    dedupe: config.sharing.dedupe,
    ttlMs: config.sharing.cacheTtlMs,
    ...(onSharedRead ? { onOutcome: onSharedRead } : {}),
    ...(fleet ? { fleet } : {}),
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
  const invokeSlots = new InvokeSlots({
    cap: config.fleet.invokeConcurrency,
    queueTimeoutMs: config.fleet.invokeQueueTimeoutMs,
    engine: fleet,
    logger: options.logger,
    ...(options.onInvokeRefused ? { onRefused: options.onInvokeRefused } : {}),
  });
  const functions = new CloudFunctionsClient({
    origin: cf.origin,
    basePath: cf.basePath,
    generation: cf.generation,
    utcOffsetHours: REGION_UTC_OFFSET_HOURS[config.cloudFunctions.region],
    signer: createSigner(cf.credentials.accessKey, cf.credentials.secretKey),
    dispatcher: pools.get(cf.origin),
    guard: guards.cloudfunctions,
    shared,
    invokeSlots,
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
  // With Redis, one poller per run for the fleet; runs are told apart by upstream and signing key.
  const leases = fleet
    ? new RedisRunLeases(fleet, {
        leaseMs: config.fleet.pollerLeaseMs,
        scope: `${cf.origin}${cf.basePath} ${cf.credentials.accessKey}`,
      })
    : undefined;
  const watcher = new ActivationWatcher(functions, {
    maxWaitMs: config.subscriptions.maxWaitMs,
    maxIntervalMs: config.subscriptions.maxPollIntervalMs,
    maxPollers: config.subscriptions.maxPollers,
    ...(spans ? { spans } : {}),
    ...(leases ? { leases } : {}),
  });
  const runs = new RunRegistry({ rememberMs: config.subscriptions.maxWaitMs });
  const close = async () => {
    invokeSlots.close();
    shared.close();
    await pools.close();
  };
  return { functions, compute, keystone, watcher, runs, invokeSlots, guards, telemetry, close };
}
