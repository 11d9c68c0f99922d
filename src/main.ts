/**
 * main: the process. Reads the configuration, starts the gateway (src/gateway.ts: the built-in
 * emulators when no cloud credentials are set, the embedded default), listens, and shuts down
 * gracefully on SIGTERM/SIGINT: readiness fails first, in-flight operations finish, then
 * connections and workers close. SIGHUP re-reads the API keys file (GATEWAY_AUTH=apikey) without a
 * restart; in other modes it is logged and ignored.
 */
// First, before any other module: on a Node older than 22.19 it says what to run, and exits.
import './preflight';
import { ConfigError, loadConfig, type GatewayConfig } from './config';
import { securityPosture, startGateway } from './gateway';
import { GRAPHQL_PATH } from './http/graphql';
import { createLogger } from './logger';

/** Beyond the grace period, how long the process may take to close its last connections and exit. */
const EXIT_MARGIN_MS = 5_000;

function readConfig(): GatewayConfig {
  try {
    return loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\nThe gateway did not start. See the configuration table in README.md.\n`);
      process.exit(2);
    }
    throw error;
  }
}

async function main(): Promise<void> {
  const config = readConfig();
  const logger = createLogger(config.logLevel);
  const gateway = await startGateway(config, { logger });
  process.on('SIGHUP', () => void gateway.reload('SIGHUP'));
  const { app } = gateway.server;
  await app.listen({ host: config.host, port: config.port });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const shownHost = config.host.includes(':') ? `[${config.host}]` : config.host;
  const posture = securityPosture(gateway, `${shownHost}:${port}`);
  logger.info(
    posture,
    `Security: auth ${posture.auth}${posture.apiKeys !== undefined ? ` (${posture.apiKeys} API keys)` : ''}, ` +
      `introspection ${posture.introspection ? 'on' : 'off'}, playground ${posture.playground ? 'on' : 'off'}, ` +
      `listening on ${posture.address}`,
  );
  if (posture.exposed) {
    logger.warn(
      { address: posture.address },
      'Anonymous access is allowed off loopback (GATEWAY_AUTH=none with GATEWAY_ALLOW_UNAUTHENTICATED=true): ' +
        'anyone who reaches this address can read and invoke',
    );
  }
  logger.info(`Gateway ready: http://${shownHost}:${port}${GRAPHQL_PATH} (open it in a browser for the playground)`);

  let stopping = false;
  const shutdown = async (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    // Readiness fails first, so a load balancer stops sending traffic while requests still succeed;
    // then the server stops accepting, in-flight operations finish, and connections close.
    gateway.server.drain();
    logger.info(
      { signal, delayMs: config.shutdownDelayMs, graceMs: config.shutdownGraceMs },
      'Shutting down: readiness now fails',
    );
    // A last resort: close() itself cuts what is left at the end of the grace period.
    const hardStop = setTimeout(
      () => {
        logger.error('Shutdown did not complete; exiting');
        process.exit(1);
      },
      config.shutdownDelayMs + config.shutdownGraceMs + EXIT_MARGIN_MS,
    );
    hardStop.unref();
    try {
      if (config.shutdownDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, config.shutdownDelayMs));
      logger.info('Finishing in-flight operations');
      const clean = await gateway.close(config.shutdownGraceMs);
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
