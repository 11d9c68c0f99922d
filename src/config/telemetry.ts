/**
 * telemetry: OpenTelemetry tracing, configured by the standard OTEL_* variables (the names and
 * meanings of the OpenTelemetry SDK environment specification), read here with every other
 * variable, so that a typo is refused at start-up with the other problems instead of being
 * silently ignored by the SDK.
 *
 * Tracing is on only when an endpoint is set (OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, or
 * OTEL_EXPORTER_OTLP_ENDPOINT plus `/v1/traces`), OTEL_SDK_DISABLED is not `true` and
 * OTEL_TRACES_EXPORTER is not `none`. Off, no exporter, processor or provider is created (src/telemetry).
 *
 * Exporter headers often carry a collector's API key: they are non-enumerable (no log or JSON of
 * the configuration carries them) and, like every value, never echoed in a problem.
 */
import { accessSync, constants, statSync } from 'node:fs';
import { z } from 'zod';
import { checkBaseUrl, flag, hideField, intIn, oneOf, optionalText, readSection, type Env } from './fields';

export const DEFAULT_SERVICE_NAME = 'ncf-gateway';

export const TRACES_SAMPLERS = [
  'always_on',
  'always_off',
  'traceidratio',
  'parentbased_always_on',
  'parentbased_always_off',
  'parentbased_traceidratio',
] as const;
export type TracesSampler = (typeof TRACES_SAMPLERS)[number];

export type TracesProtocol = 'http/protobuf' | 'http/json';

export interface BatchConfig {
  /** OTEL_BSP_SCHEDULE_DELAY: longest wait before a batch of ended spans is sent. */
  scheduledDelayMs: number;
  exportTimeoutMs: number;
  /** Spans kept waiting at most; beyond, new ones are dropped (never blocks an operation). */
  maxQueueSize: number;
  maxExportBatchSize: number;
}

export interface TracingOn {
  enabled: true;
  serviceName: string;
  /** Where spans are POSTed: the full URL, `/v1/traces` included. */
  endpoint: string;
  protocol: TracesProtocol;
  /** Non-enumerable: may carry the collector's credentials. */
  headers: Record<string, string>;
  timeoutMs: number;
  compression: 'none' | 'gzip';
  sampler: TracesSampler;
  /** The ratio of the `traceidratio` samplers (OTEL_TRACES_SAMPLER_ARG), 0 to 1. */
  samplerRatio: number;
  /** OTEL_RESOURCE_ATTRIBUTES, service.name set from serviceName. */
  resourceAttributes: Record<string, string>;
  batch: BatchConfig;
  /** PEM files for https: the CA to trust, and a client certificate and key (mutual TLS). */
  tls: { ca?: string; cert?: string; key?: string };
}

export interface TracingOff {
  enabled: false;
  serviceName: string;
  /** Why: for the start-up log line. */
  reason: 'OTEL_SDK_DISABLED' | 'OTEL_TRACES_EXPORTER' | 'no endpoint';
}

export type TelemetryConfig = TracingOn | TracingOff;

const PROTOCOLS = ['http/protobuf', 'http/json', 'grpc'] as const;

const OTEL = {
  disabled: ['OTEL_SDK_DISABLED', flag(false)],
  exporter: ['OTEL_TRACES_EXPORTER', oneOf(['otlp', 'none']).default('otlp')],
  serviceName: ['OTEL_SERVICE_NAME', optionalText],
  endpoint: ['OTEL_EXPORTER_OTLP_ENDPOINT', optionalText],
  tracesEndpoint: ['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', optionalText],
  protocol: ['OTEL_EXPORTER_OTLP_PROTOCOL', oneOf(PROTOCOLS).optional()],
  tracesProtocol: ['OTEL_EXPORTER_OTLP_TRACES_PROTOCOL', oneOf(PROTOCOLS).optional()],
  timeoutMs: ['OTEL_EXPORTER_OTLP_TIMEOUT', intIn(1, 600_000).optional()],
  tracesTimeoutMs: ['OTEL_EXPORTER_OTLP_TRACES_TIMEOUT', intIn(1, 600_000).optional()],
  compression: ['OTEL_EXPORTER_OTLP_COMPRESSION', oneOf(['none', 'gzip']).optional()],
  tracesCompression: ['OTEL_EXPORTER_OTLP_TRACES_COMPRESSION', oneOf(['none', 'gzip']).optional()],
  sampler: ['OTEL_TRACES_SAMPLER', oneOf(TRACES_SAMPLERS).default('parentbased_always_on')],
  samplerArg: ['OTEL_TRACES_SAMPLER_ARG', z.string().trim().optional()],
  scheduledDelayMs: ['OTEL_BSP_SCHEDULE_DELAY', intIn(1, 600_000).default(5_000)],
  exportTimeoutMs: ['OTEL_BSP_EXPORT_TIMEOUT', intIn(1, 600_000).default(30_000)],
  maxQueueSize: ['OTEL_BSP_MAX_QUEUE_SIZE', intIn(1, 1_000_000).default(2_048)],
  maxExportBatchSize: ['OTEL_BSP_MAX_EXPORT_BATCH_SIZE', intIn(1, 1_000_000).default(512)],
  certificate: ['OTEL_EXPORTER_OTLP_CERTIFICATE', optionalText],
  tracesCertificate: ['OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE', optionalText],
  clientCertificate: ['OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE', optionalText],
  tracesClientCertificate: ['OTEL_EXPORTER_OTLP_TRACES_CLIENT_CERTIFICATE', optionalText],
  clientKey: ['OTEL_EXPORTER_OTLP_CLIENT_KEY', optionalText],
  tracesClientKey: ['OTEL_EXPORTER_OTLP_TRACES_CLIENT_KEY', optionalText],
} as const;

type OtelVars = NonNullable<ReturnType<typeof readSection<typeof OTEL>>>;

/**
 * `key=value` pairs separated by commas, values percent-encoded (the format of
 * OTEL_EXPORTER_OTLP_HEADERS and OTEL_RESOURCE_ATTRIBUTES). Undefined when a pair is malformed.
 */
export function parseKeyValues(raw: string | undefined): Record<string, string> | undefined {
  const out: Record<string, string> = {};
  if (raw === undefined) return out;
  for (const item of raw.split(',')) {
    if (item.trim() === '') continue;
    const eq = item.indexOf('=');
    if (eq <= 0) return undefined;
    const key = item.slice(0, eq).trim();
    let value: string;
    try {
      value = decodeURIComponent(item.slice(eq + 1).trim());
    } catch {
      return undefined;
    }
    if (key === '' || /[\s"]/.test(key)) return undefined;
    out[key] = value;
  }
  return out;
}

/** The traces URL: the signal's own endpoint as it is, or the general one with `/v1/traces`. */
function tracesUrl(e: OtelVars, problems: string[]): string | undefined {
  const [variable, raw] = e.tracesEndpoint
    ? (['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', e.tracesEndpoint] as const)
    : (['OTEL_EXPORTER_OTLP_ENDPOINT', e.endpoint] as const);
  if (raw === undefined) return undefined;
  const checked = checkBaseUrl(raw);
  if (typeof checked !== 'string') {
    const hint = checked.error.includes('credentials') ? ' (put them in OTEL_EXPORTER_OTLP_HEADERS)' : '';
    problems.push(`${variable}: ${checked.error}${hint}`);
    return undefined;
  }
  return e.tracesEndpoint ? checked : `${checked}/v1/traces`;
}

function samplerRatio(e: OtelVars, problems: string[]): number {
  if (!e.sampler.endsWith('traceidratio') || e.samplerArg === undefined) return 1;
  const ratio = /^(?:\d+(?:\.\d*)?|\.\d+)$/.test(e.samplerArg) ? Number(e.samplerArg) : NaN;
  if (!(ratio >= 0 && ratio <= 1)) {
    problems.push(`OTEL_TRACES_SAMPLER_ARG: must be a number from 0 to 1 with OTEL_TRACES_SAMPLER=${e.sampler}`);
    return 1;
  }
  return ratio;
}

/** The TLS files, the traces variables winning; each must be a readable file (its path is not echoed). */
function tlsFiles(e: OtelVars, problems: string[]): TracingOn['tls'] {
  const files = [
    [
      'ca',
      'OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE',
      e.tracesCertificate,
      'OTEL_EXPORTER_OTLP_CERTIFICATE',
      e.certificate,
    ],
    [
      'cert',
      'OTEL_EXPORTER_OTLP_TRACES_CLIENT_CERTIFICATE',
      e.tracesClientCertificate,
      'OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE',
      e.clientCertificate,
    ],
    ['key', 'OTEL_EXPORTER_OTLP_TRACES_CLIENT_KEY', e.tracesClientKey, 'OTEL_EXPORTER_OTLP_CLIENT_KEY', e.clientKey],
  ] as const;
  const tls: TracingOn['tls'] = {};
  for (const [field, specific, specificPath, general, generalPath] of files) {
    const path = specificPath ?? generalPath;
    if (path === undefined) continue;
    try {
      if (!statSync(path).isFile()) throw new Error('not a file');
      accessSync(path, constants.R_OK);
      tls[field] = path;
    } catch {
      problems.push(`${specificPath !== undefined ? specific : general}: the file does not exist or cannot be read`);
    }
  }
  if ((tls.cert === undefined) !== (tls.key === undefined)) {
    problems.push(
      'OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE: needs OTEL_EXPORTER_OTLP_CLIENT_KEY, and the other way round',
    );
  }
  return tls;
}

/** Both header variables, the traces one winning per name; undefined (a problem) when malformed. */
function exportHeaders(env: Env, problems: string[]): Record<string, string> | undefined {
  const general = parseKeyValues(env.OTEL_EXPORTER_OTLP_HEADERS);
  const traces = parseKeyValues(env.OTEL_EXPORTER_OTLP_TRACES_HEADERS);
  const format = 'must be name=value pairs separated by commas (values percent-encoded)';
  if (!general) problems.push(`OTEL_EXPORTER_OTLP_HEADERS: ${format}`);
  if (!traces) problems.push(`OTEL_EXPORTER_OTLP_TRACES_HEADERS: ${format}`);
  return general && traces ? { ...general, ...traces } : undefined;
}

/** The telemetry section (see the header). */
export function readTelemetry(env: Env, problems: string[]): TelemetryConfig | undefined {
  const before = problems.length;
  const e = readSection(OTEL, env, problems);
  const attributes = parseKeyValues(env.OTEL_RESOURCE_ATTRIBUTES);
  if (!attributes)
    problems.push('OTEL_RESOURCE_ATTRIBUTES: must be key=value pairs separated by commas (values percent-encoded)');
  const headers = exportHeaders(env, problems);
  if (!e) return undefined;
  const protocol = e.tracesProtocol ?? e.protocol ?? 'http/protobuf';
  if (protocol === 'grpc') {
    const variable = e.tracesProtocol ? 'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL' : 'OTEL_EXPORTER_OTLP_PROTOCOL';
    problems.push(`${variable}: grpc is not supported; use http/protobuf or http/json (the collector's port 4318)`);
  }
  if (e.maxExportBatchSize > e.maxQueueSize) {
    problems.push('OTEL_BSP_MAX_EXPORT_BATCH_SIZE: must not be more than OTEL_BSP_MAX_QUEUE_SIZE');
  }
  const endpoint = tracesUrl(e, problems);
  const ratio = samplerRatio(e, problems);
  const tls = tlsFiles(e, problems);
  if (problems.length > before || !attributes || !headers) return undefined;
  const serviceName = e.serviceName ?? attributes['service.name'] ?? DEFAULT_SERVICE_NAME;
  if (e.disabled) return { enabled: false, serviceName, reason: 'OTEL_SDK_DISABLED' };
  if (e.exporter === 'none') return { enabled: false, serviceName, reason: 'OTEL_TRACES_EXPORTER' };
  if (endpoint === undefined) return { enabled: false, serviceName, reason: 'no endpoint' };
  const on: TracingOn = {
    enabled: true,
    serviceName,
    endpoint,
    protocol: protocol as TracesProtocol,
    headers,
    timeoutMs: e.tracesTimeoutMs ?? e.timeoutMs ?? 10_000,
    compression: (e.tracesCompression ?? e.compression ?? 'none') as TracingOn['compression'],
    sampler: e.sampler as TracesSampler,
    samplerRatio: ratio,
    resourceAttributes: { ...attributes, 'service.name': serviceName },
    batch: {
      scheduledDelayMs: e.scheduledDelayMs,
      exportTimeoutMs: e.exportTimeoutMs,
      maxQueueSize: e.maxQueueSize,
      maxExportBatchSize: e.maxExportBatchSize,
    },
    tls,
  };
  return hideField(on, 'headers');
}
