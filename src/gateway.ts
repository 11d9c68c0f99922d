/**
 * gateway: starts one gateway from its configuration, the same way for the process (main.ts) and
 * for the tests (test/helpers/gateway.ts): the embedded emulators where an upstream has no
 * credentials configured, the metrics once, the upstream clients, then the server, and (apikey
 * mode) the watch that re-reads the keys file when it changes. Listening and signals are the
 * caller's (main.ts calls {@link Gateway.reload} on SIGHUP).
 */
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { Authenticator } from './auth';
import { watchKeysFile } from './auth/apikeys';
import { hideField, isLoopbackHost, type CloudFunctionsConfig, type ComputeConfig, type GatewayConfig } from './config';
import { startCloudFunctionsEmulator } from './emulators/cloudfunctions';
import { SEED_SERVER_ID, startComputeEmulator } from './emulators/compute';
import { FleetEngine } from './fleet/engine';
import { GatewayMetrics, upstreamHooks } from './observability/metrics';
import { buildServer, type GatewayServer } from './server';
import { startTelemetry } from './telemetry';
import { createUpstreams, type UpstreamTargets, type Upstreams } from './upstream';

export interface GatewayOptions {
  logger: Logger;
  /**
   * Where the upstreams are, instead of the configured targets (tests point the gateway at their
   * own emulators, or at a fault proxy in front of them).
   */
  targets?: Partial<UpstreamTargets>;
  /** Clock for Keystone token expiry (tests); default Date.now. */
  now?: () => number;
}

export interface Gateway {
  config: GatewayConfig;
  server: GatewayServer;
  upstreams: Upstreams;
  metrics: GatewayMetrics;
  /** The shared Redis (GATEWAY_REDIS_URL); undefined: this process keeps its state in memory. */
  fleet: FleetEngine | undefined;
  /** The upstreams in use, resolved. */
  targets: UpstreamTargets;
  /**
   * Re-reads what may change without a restart: the API keys file (apikey mode), logging the
   * outcome; in other modes, logs that there is nothing to reload. `trigger` is for the log (`SIGHUP`).
   */
  reload(trigger: string): Promise<void>;
  /**
   * Stops the server (operations in flight finish, up to `graceMs`), the upstream connections and
   * any emulator it started. Resolves false when the grace period ran out.
   */
  close(graceMs?: number): Promise<boolean>;
}

type Cleanup = () => Promise<void>;

async function cloudFunctionsTarget(
  cf: CloudFunctionsConfig,
  logger: Logger,
  cleanups: Cleanup[],
): Promise<UpstreamTargets['cloudFunctions']> {
  if (cf.target.kind === 'remote') {
    const { kind: _kind, ...endpoint } = cf.target;
    logger.info(
      { origin: endpoint.origin, basePath: endpoint.basePath, platform: cf.defaultPlatform },
      'Using NAVER Cloud Platform Cloud Functions',
    );
    return endpoint;
  }
  const credentials = {
    accessKey: `emulator-${randomBytes(6).toString('hex')}`,
    secretKey: randomBytes(24).toString('base64url'),
  };
  const emulator = await startCloudFunctionsEmulator({ host: '127.0.0.1', port: 0, credentials: [credentials] });
  cleanups.push(() => emulator.close());
  logger.info(
    { emulator: emulator.url },
    'No NCP_ACCESS_KEY set: using the built-in Cloud Functions emulator on loopback ' +
      '(in-memory, seeded with example packages). Set NCP_ACCESS_KEY and NCP_SECRET_KEY to use NAVER Cloud.',
  );
  return {
    origin: emulator.url,
    basePath: '/ncf/api/v2',
    generation: 'v2.1',
    credentials: hideField(credentials, 'secretKey'),
  };
}

async function computeTarget(
  compute: ComputeConfig,
  logger: Logger,
  cleanups: Cleanup[],
): Promise<UpstreamTargets['compute']> {
  if (compute.target.kind === 'remote') {
    logger.info({ identity: compute.target.identity.authUrl, region: compute.region }, 'Using OpenStack compute');
    return { identity: compute.target.identity };
  }
  const user = { name: 'demo', password: randomBytes(18).toString('base64url'), project: 'demo' };
  const emulator = await startComputeEmulator({ host: '127.0.0.1', port: 0, users: [user] });
  cleanups.push(() => emulator.close());
  logger.info(
    { identity: emulator.authUrl, exampleServerId: SEED_SERVER_ID },
    'No OS_AUTH_URL set: using the built-in Keystone + Nova emulator on loopback ' +
      '(in-memory, seeded with example servers). ' +
      `Try { server(id: "${SEED_SERVER_ID}") { instanceActions { nodes { action events { event result } } } } }`,
  );
  const credentials = hideField(
    { method: 'password' as const, username: user.name, userDomainName: 'Default', password: user.password },
    'password',
  );
  return {
    identity: {
      authUrl: emulator.authUrl,
      credentials,
      scope: { projectName: user.project, projectDomainName: 'Default' },
    },
    region: 'RegionOne',
  };
}

export async function startGateway(config: GatewayConfig, options: GatewayOptions): Promise<Gateway> {
  const { logger } = options;
  const cleanups: Cleanup[] = [];
  try {
    const targets: UpstreamTargets = {
      cloudFunctions:
        options.targets?.cloudFunctions ?? (await cloudFunctionsTarget(config.cloudFunctions, logger, cleanups)),
      compute: options.targets?.compute ?? (await computeTarget(config.compute, logger, cleanups)),
    };
    const metrics = new GatewayMetrics();
    const fleet = startFleet(config, logger, metrics, cleanups);
    // Tracing (src/telemetry), before the clients that make spans; closing flushes its last spans.
    const telemetry = startTelemetry(config.telemetry, logger);
    cleanups.push(() => telemetry.shutdown());
    const upstreams = createUpstreams(config, targets, {
      ...upstreamHooks(metrics),
      telemetry,
      fleet,
      logger,
      ...(options.now ? { now: options.now } : {}),
    });
    const server = await buildServer({ config, logger, upstreams, metrics, fleet });
    const keys = reloadingKeys(config, server.authenticator, logger);
    return {
      config,
      server,
      upstreams,
      metrics,
      fleet,
      targets,
      reload: keys.reload,
      async close(graceMs) {
        keys.close();
        const clean = await server.close(graceMs);
        await upstreams.close();
        for (const cleanup of cleanups) await cleanup();
        return clean;
      },
    };
  } catch (error) {
    for (const cleanup of cleanups) await cleanup().catch(() => undefined);
    throw error;
  }
}

/**
 * The shared engine, when GATEWAY_REDIS_URL is set. The gateway does not wait for it: it serves
 * from its own memory until Redis answers (src/fleet/engine). Closed last, after the server.
 */
function startFleet(
  config: GatewayConfig,
  logger: Logger,
  metrics: GatewayMetrics,
  cleanups: Cleanup[],
): FleetEngine | undefined {
  const { redisUrl, redisPrefix, redisTimeoutMs } = config.fleet;
  if (!redisUrl) return undefined;
  metrics.redisUp.set(0);
  const fleet = new FleetEngine({
    url: redisUrl,
    prefix: redisPrefix,
    timeoutMs: redisTimeoutMs,
    logger,
    onState: (up) => metrics.redisUp.set(up ? 1 : 0),
  });
  cleanups.push(() => fleet.close());
  return fleet;
}

// --- Reloading the API keys file (apikey mode) -------------------------------------------------

interface KeysReloading {
  reload(trigger: string): Promise<void>;
  close(): void;
}

/**
 * Re-reads the keys file when it changes (watched, debounced) and when asked (`reload`, on SIGHUP),
 * and logs each outcome: info with the number of keys, or warn with what is wrong with the file
 * (the previous keys stay in use). Never a key, a hash or the file's text. A change seen by the
 * watch is logged only when the file's content did change; an asked-for reload always is.
 */
function reloadingKeys(config: GatewayConfig, authenticator: Authenticator, logger: Logger): KeysReloading {
  const reloadKeys = authenticator.reload?.bind(authenticator);
  if (config.auth.mode !== 'apikey' || !reloadKeys) {
    const mode = config.auth.mode;
    return {
      async reload(trigger) {
        logger.info({ trigger, auth: mode }, `${trigger}: nothing to reload with GATEWAY_AUTH=${mode}; ignored`);
      },
      close() {},
    };
  }
  const file = config.auth.keysFile;
  const plural = (n: number) => `${n} key${n === 1 ? '' : 's'}`;
  const reload = async (trigger: string, onlyIfChanged = false): Promise<void> => {
    const outcome = await reloadKeys();
    if (onlyIfChanged && !outcome.changed) return;
    if (outcome.ok) {
      const withdrawn = outcome.withdrawn.length > 0 ? `, ${outcome.withdrawn.length} withdrawn` : '';
      logger.info(
        { trigger, file, keys: outcome.keys, withdrawn: outcome.withdrawn },
        `API keys reloaded (${trigger}): ${plural(outcome.keys)}${withdrawn}`,
      );
    } else {
      logger.warn(
        { trigger, file, keys: outcome.keys, error: outcome.error },
        `API keys file not reloaded (${trigger}): ${outcome.error}; the ${plural(outcome.keys)} in use stay`,
      );
    }
  };
  const watch = watchKeysFile(file, () => void reload('change', true), {
    onWatchError: (error) =>
      logger.warn(
        { file, error: error.message },
        'Cannot watch the API keys file directory; polling the file instead (SIGHUP reloads at once)',
      ),
  });
  return { reload: (trigger) => reload(trigger), close: () => watch.close() };
}

/**
 * The security posture of a listening gateway, for its start-up log line: how clients
 * authenticate, how many API keys are accepted, whether introspection and the playground are on,
 * and where it listens. `exposed` is true when anyone who reaches the address may call it without a
 * credential (GATEWAY_AUTH=none off loopback, with GATEWAY_ALLOW_UNAUTHENTICATED).
 */
export function securityPosture(gateway: Gateway, address: string) {
  const { config, server } = gateway;
  return {
    auth: config.auth.mode,
    ...(server.authenticator.keys !== undefined ? { apiKeys: server.authenticator.keys } : {}),
    introspection: config.http.introspection,
    playground: config.http.playground,
    address,
    exposed: config.auth.mode === 'none' && !isLoopbackHost(config.host),
  };
}
