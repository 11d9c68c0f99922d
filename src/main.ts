/**
 * main: the process. Reads the configuration, starts the built-in emulators when no cloud
 * credentials are set (the embedded default), listens, and shuts down gracefully on SIGTERM/SIGINT:
 * readiness fails first, in-flight operations finish, then connections and workers close.
 */
import { randomBytes } from 'node:crypto';
import { ConfigError, loadConfig, withEmbeddedCloudFunctions, withEmbeddedCompute, type GatewayConfig } from './config';
import { startCloudFunctionsEmulator } from './emulators/cloudfunctions';
import { SEED_SERVER_ID, startComputeEmulator } from './emulators/compute';
import { createLogger } from './logger';
import { GatewayMetrics, upstreamHooks } from './observability/metrics';
import { buildServer, GRAPHQL_PATH } from './server';
import { createUpstreams } from './upstream';

/** Beyond the grace period, how long the process may take to close its last connections and exit. */
const EXIT_MARGIN_MS = 5_000;

async function main(): Promise<void> {
  let config: GatewayConfig;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\nThe gateway did not start. See the configuration table in README.md.\n`);
      process.exit(2);
    }
    throw error;
  }
  const logger = createLogger(config.logLevel);
  const cleanups: Array<() => Promise<void>> = [];

  if (!config.cloudFunctions.credentials) {
    const credentials = {
      accessKey: `emulator-${randomBytes(6).toString('hex')}`,
      secretKey: randomBytes(24).toString('base64url'),
    };
    const emulator = await startCloudFunctionsEmulator({ host: '127.0.0.1', port: 0, credentials: [credentials] });
    cleanups.push(() => emulator.close());
    config = withEmbeddedCloudFunctions(config, emulator.url, credentials);
    logger.info(
      { emulator: emulator.url },
      'No NCP_ACCESS_KEY set: using the built-in Cloud Functions emulator on loopback (in-memory, seeded with example packages). Set NCP_ACCESS_KEY and NCP_SECRET_KEY to use NAVER Cloud.',
    );
  } else {
    logger.info(
      { origin: config.cloudFunctions.origin, basePath: config.cloudFunctions.basePath, platform: config.cloudFunctions.defaultPlatform },
      'Using NAVER Cloud Platform Cloud Functions',
    );
  }

  if (!config.compute.identity) {
    const user = { name: 'demo', password: randomBytes(18).toString('base64url'), project: 'demo' };
    const emulator = await startComputeEmulator({ host: '127.0.0.1', port: 0, users: [user] });
    cleanups.push(() => emulator.close());
    config = withEmbeddedCompute(config, {
      authUrl: emulator.authUrl,
      username: user.name,
      password: user.password,
      projectName: user.project,
      region: 'RegionOne',
    });
    logger.info(
      { identity: emulator.authUrl, exampleServerId: SEED_SERVER_ID },
      `No OS_AUTH_URL set: using the built-in Keystone + Nova emulator on loopback (in-memory, seeded with example servers). Try { server(id: "${SEED_SERVER_ID}") { instanceActions { nodes { action events { event result } } } } }`,
    );
  } else {
    logger.info({ identity: config.compute.identity.authUrl, region: config.compute.region }, 'Using OpenStack compute');
  }

  const metrics = new GatewayMetrics();
  const upstreams = createUpstreams(config, upstreamHooks(metrics));
  const server = await buildServer({ config, logger, upstreams, metrics });
  await server.app.listen({ host: config.host, port: config.port });
  const address = server.app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const shownHost = config.host.includes(':') ? `[${config.host}]` : config.host;
  logger.info(`Gateway ready: http://${shownHost}:${port}${GRAPHQL_PATH} (open it in a browser for the playground)`);

  let stopping = false;
  const shutdown = async (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    // Readiness fails first, so a load balancer stops sending traffic while requests still succeed;
    // then the server stops accepting, in-flight operations finish, and connections close.
    server.drain();
    logger.info({ signal, delayMs: config.shutdownDelayMs, graceMs: config.shutdownGraceMs }, 'Shutting down: readiness now fails');
    // A last resort: server.close() itself cuts what is left at the end of the grace period.
    const hardStop = setTimeout(() => {
      logger.error('Shutdown did not complete; exiting');
      process.exit(1);
    }, config.shutdownDelayMs + config.shutdownGraceMs + EXIT_MARGIN_MS);
    hardStop.unref();
    try {
      if (config.shutdownDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, config.shutdownDelayMs));
      logger.info('Finishing in-flight operations');
      const clean = await server.close(config.shutdownGraceMs);
      logger.debug('HTTP server and WebSockets closed');
      await upstreams.close();
      logger.debug('Upstream connections closed');
      for (const cleanup of cleanups) await cleanup();
      logger.info({ clean }, 'Stopped');
      process.exit(clean ? 0 : 1);
    } catch (error) {
      logger.error({ err: error }, 'Shutdown failed');
      process.exit(1);
    }
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
}

main().catch((error: unknown) => {
  process.stderr.write(`The gateway failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
