/**
 * provider: the OpenTelemetry trace SDK as the gateway runs it when tracing is on. A tracer
 * provider of its own (never the global one: two gateways in one process, as in the tests, each
 * export to their own collector), the configured sampler, one batch span processor and one OTLP/HTTP
 * exporter (protobuf or JSON, ./exporter). No auto-instrumentation: the spans are the gateway's own (see
 * ./index), so nothing patches a module and the hot path pays only for the spans it makes.
 *
 * Built only from a configuration with tracing on (src/config/telemetry): off, none of this is
 * created, not even the exporter.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BatchSpanProcessor,
  ParentBasedSampler,
  TraceIdRatioBasedSampler,
  TracerProvider,
  type Sampler,
  type SpanExporter,
} from '@opentelemetry/sdk-trace';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';
import type { Logger } from 'pino';
import type { TracingOn } from '../config/telemetry';
import { OtlpHttpTraceExporter } from './exporter';

/** OTEL_TRACES_SAMPLER and its argument, as the SDK specification defines them. */
export function samplerFor(config: Pick<TracingOn, 'sampler' | 'samplerRatio'>): Sampler {
  switch (config.sampler) {
    case 'always_on':
      return new AlwaysOnSampler();
    case 'always_off':
      return new AlwaysOffSampler();
    case 'traceidratio':
      return new TraceIdRatioBasedSampler(config.samplerRatio);
    case 'parentbased_always_off':
      return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case 'parentbased_traceidratio':
      return new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(config.samplerRatio) });
    default:
      return new ParentBasedSampler({ root: new AlwaysOnSampler() });
  }
}

function packageVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(join(resolve(__dirname, '..', '..'), 'package.json'), 'utf8')) as {
      version?: string;
    };
    return pkg.version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

/** The provider: resource (service name and version, OTEL_RESOURCE_ATTRIBUTES), sampler, batching exporter. */
export function createProvider(config: TracingOn, logger?: Logger, exporter?: SpanExporter): TracerProvider {
  return new TracerProvider({
    resource: resourceFromAttributes({
      [ATTR_SERVICE_VERSION]: packageVersion(),
      ...config.resourceAttributes,
      [ATTR_SERVICE_NAME]: config.serviceName,
    }),
    sampler: samplerFor(config),
    spanProcessors: [
      new BatchSpanProcessor({
        exporter: exporter ?? new OtlpHttpTraceExporter(config, logger),
        scheduledDelayMillis: config.batch.scheduledDelayMs,
        exportTimeoutMillis: config.batch.exportTimeoutMs,
        maxQueueSize: config.batch.maxQueueSize,
        maxExportBatchSize: config.batch.maxExportBatchSize,
      }),
    ],
  });
}
