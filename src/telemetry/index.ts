/**
 * telemetry: OpenTelemetry traces of one gateway. {@link startTelemetry} makes, from the
 * configuration (src/config/telemetry), either the tracer (its own provider, batch processor and
 * OTLP/HTTP exporter, ./provider) or {@link TELEMETRY_OFF}, which creates nothing.
 *
 * Each place that makes spans (transports, pipeline, upstream clients, poller) is handed this
 * object and checks `tracer` once: with tracing off no span, context or attribute is made on the
 * hot path. Spans are flushed by {@link Telemetry.shutdown}, which the gateway's close awaits.
 *
 * Metrics stay on prom-client and /metrics (src/observability/metrics); see docs/observability.md.
 */
import { diag, DiagLogLevel, type Tracer } from '@opentelemetry/api';
import type { SpanExporter } from '@opentelemetry/sdk-trace';
import type { Logger } from 'pino';
import type { TelemetryConfig } from '../config/telemetry';
import { acquireContext, releaseContext } from './context';
import { createProvider } from './provider';
import { UpstreamSpans } from './upstream';

export { traceparentOf, extractParent } from './spans';

export interface Telemetry {
  /** The gateway's tracer; undefined when tracing is off. */
  readonly tracer: Tracer | undefined;
  /** Spans of upstream calls (./upstream); undefined when tracing is off. */
  readonly upstream: UpstreamSpans | undefined;
  /** Sends every ended span now (tests, before reading a collector). */
  forceFlush(): Promise<void>;
  /** Sends what is left and stops; the gateway's close awaits it. */
  shutdown(): Promise<void>;
}

export const TELEMETRY_OFF: Telemetry = Object.freeze({
  tracer: undefined,
  upstream: undefined,
  forceFlush: async () => undefined,
  shutdown: async () => undefined,
});

export interface TelemetryOptions {
  /** Where spans go instead of the configured OTLP endpoint (tests). */
  exporter?: SpanExporter;
}

/**
 * OpenTelemetry's own diagnostics go to the gateway's log at warn, at most one line a minute (a
 * batch that could not be exported is reported by ./exporter, and again here by the SDK).
 */
function routeDiagnostics(logger: Logger): void {
  let lastAt = -Infinity;
  const write = (message: string) => {
    const now = Date.now();
    if (now - lastAt < 60_000) return;
    lastAt = now;
    logger.warn({ component: 'opentelemetry' }, message);
  };
  diag.setLogger(
    { error: write, warn: write, info: () => undefined, debug: () => undefined, verbose: () => undefined },
    { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true },
  );
}

export function startTelemetry(config: TelemetryConfig, logger: Logger, options: TelemetryOptions = {}): Telemetry {
  if (!config.enabled) {
    const why = config.reason === 'no endpoint' ? 'no OTEL_EXPORTER_OTLP_ENDPOINT set' : `${config.reason} says so`;
    logger.info({ tracing: false }, `Tracing off (${why}): no span is made or exported`);
    return TELEMETRY_OFF;
  }
  routeDiagnostics(logger);
  const provider = createProvider(config, logger, options.exporter);
  acquireContext();
  const tracer = provider.getTracer('ncf-gateway');
  let stopped: Promise<void> | undefined;
  logger.info(
    {
      tracing: true,
      endpoint: config.endpoint,
      protocol: config.protocol,
      sampler: config.sampler,
      serviceName: config.serviceName,
    },
    `Tracing on: spans go to ${config.endpoint} (${config.protocol}), sampler ${config.sampler}`,
  );
  return {
    tracer,
    upstream: new UpstreamSpans(tracer),
    forceFlush: () => provider.forceFlush(),
    shutdown() {
      stopped ??= provider
        .shutdown()
        .catch((error: unknown) =>
          logger.warn({ component: 'opentelemetry', err: error }, 'Spans not all exported at shutdown'),
        )
        .finally(releaseContext);
      return stopped;
    },
  };
}
