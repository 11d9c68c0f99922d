/** The OTEL_* variables: what turns tracing on, the endpoint, protocol, sampler, headers, and every refusal. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, type TracingOn } from '../../src/config';
import { parseKeyValues } from '../../src/config/telemetry';
import { configProblems } from '../helpers/config';

const problems = configProblems;

function tracing(env: Record<string, string>): TracingOn {
  const { telemetry } = loadConfig(env);
  if (!telemetry.enabled) throw new Error(`tracing is off: ${telemetry.reason}`);
  return telemetry;
}

describe('telemetry configuration (OTEL_*)', () => {
  it('is off without an endpoint, with OTEL_SDK_DISABLED=true, or with OTEL_TRACES_EXPORTER=none', () => {
    expect(loadConfig({}).telemetry).toEqual({ enabled: false, serviceName: 'ncf-gateway', reason: 'no endpoint' });
    const endpoint = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' };
    expect(loadConfig({ ...endpoint, OTEL_SDK_DISABLED: 'true' }).telemetry).toEqual({
      enabled: false,
      serviceName: 'ncf-gateway',
      reason: 'OTEL_SDK_DISABLED',
    });
    expect(loadConfig({ ...endpoint, OTEL_TRACES_EXPORTER: 'none' }).telemetry).toEqual({
      enabled: false,
      serviceName: 'ncf-gateway',
      reason: 'OTEL_TRACES_EXPORTER',
    });
    expect(loadConfig({ ...endpoint, OTEL_SDK_DISABLED: 'false' }).telemetry.enabled).toBe(true);
  });

  it('with an endpoint: the defaults of the OpenTelemetry specification', () => {
    const config = tracing({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' });
    expect(config).toEqual({
      enabled: true,
      serviceName: 'ncf-gateway',
      endpoint: 'http://collector:4318/v1/traces',
      protocol: 'http/protobuf',
      timeoutMs: 10_000,
      compression: 'none',
      sampler: 'parentbased_always_on',
      samplerRatio: 1,
      resourceAttributes: { 'service.name': 'ncf-gateway' },
      batch: { scheduledDelayMs: 5_000, exportTimeoutMs: 30_000, maxQueueSize: 2_048, maxExportBatchSize: 512 },
      tls: {},
    });
    expect(config.headers).toEqual({});
  });

  it('takes the traces endpoint as it is, and the traces variables over the general ones', () => {
    const config = tracing({
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://general:4318',
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://traces.example.com/otlp/spans',
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
      OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/json',
      OTEL_EXPORTER_OTLP_TIMEOUT: '3000',
      OTEL_EXPORTER_OTLP_TRACES_TIMEOUT: '2500',
      OTEL_EXPORTER_OTLP_COMPRESSION: 'gzip',
      OTEL_SERVICE_NAME: 'bff-eu',
      OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment.name=prod,service.name=ignored,team=web%20apps',
      OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
      OTEL_TRACES_SAMPLER_ARG: '0.25',
      OTEL_BSP_SCHEDULE_DELAY: '1000',
    });
    expect(config).toMatchObject({
      endpoint: 'https://traces.example.com/otlp/spans',
      protocol: 'http/json',
      timeoutMs: 2500,
      compression: 'gzip',
      serviceName: 'bff-eu',
      resourceAttributes: { 'deployment.environment.name': 'prod', 'service.name': 'bff-eu', team: 'web apps' },
      sampler: 'parentbased_traceidratio',
      samplerRatio: 0.25,
      batch: { scheduledDelayMs: 1000 },
    });
    expect(
      tracing({
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318',
        OTEL_RESOURCE_ATTRIBUTES: 'service.name=from-attributes',
      }).serviceName,
    ).toBe('from-attributes');
  });

  it('keeps the exporter headers out of every listing of the configuration (they carry credentials)', () => {
    const config = tracing({
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318',
      OTEL_EXPORTER_OTLP_HEADERS: 'authorization=Bearer%20collector-secret,x-tenant=a',
      OTEL_EXPORTER_OTLP_TRACES_HEADERS: 'x-tenant=b',
    });
    expect(config.headers).toEqual({ authorization: 'Bearer collector-secret', 'x-tenant': 'b' });
    expect(
      JSON.stringify(
        loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_EXPORTER_OTLP_HEADERS: 'k=collector-secret' }),
      ),
    ).not.toContain('collector-secret');
  });

  it('reads the TLS files for https, and refuses one that cannot be read', () => {
    const dir = mkdtempSync(join(tmpdir(), 'otel-tls-'));
    const ca = join(dir, 'ca.pem');
    writeFileSync(ca, 'not really a certificate');
    expect(tracing({ OTEL_EXPORTER_OTLP_ENDPOINT: 'https://c:4318', OTEL_EXPORTER_OTLP_CERTIFICATE: ca }).tls).toEqual({
      ca,
    });
    expect(
      problems({
        OTEL_EXPORTER_OTLP_ENDPOINT: 'https://c:4318',
        OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE: join(dir, 'missing.pem'),
      }),
    ).toEqual(['OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE: the file does not exist or cannot be read']);
    expect(problems({ OTEL_EXPORTER_OTLP_ENDPOINT: 'https://c:4318', OTEL_EXPORTER_OTLP_CLIENT_KEY: ca })).toEqual([
      'OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE: needs OTEL_EXPORTER_OTLP_CLIENT_KEY, and the other way round',
    ]);
  });

  it('reports every OTEL_* problem, with the others, never echoing a value', () => {
    const listed = problems({
      PORT: 'eighty',
      OTEL_SDK_DISABLED: 'yes',
      OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318',
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/xml',
      OTEL_TRACES_SAMPLER: 'sometimes',
      OTEL_EXPORTER_OTLP_HEADERS: 'no-equals-sign-secret',
      OTEL_RESOURCE_ATTRIBUTES: '=x',
      OTEL_BSP_MAX_QUEUE_SIZE: '10',
      OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '20',
      OTEL_EXPORTER_OTLP_TIMEOUT: '0',
    });
    expect(listed).toEqual([
      'PORT: must be a whole number from 0 to 65535',
      'OTEL_SDK_DISABLED: must be one of: true, false',
      'OTEL_EXPORTER_OTLP_PROTOCOL: must be one of: http/protobuf, http/json, grpc',
      'OTEL_EXPORTER_OTLP_TIMEOUT: must be a whole number from 1 to 600000',
      'OTEL_TRACES_SAMPLER: must be one of: always_on, always_off, traceidratio, ' +
        'parentbased_always_on, parentbased_always_off, parentbased_traceidratio',
      'OTEL_RESOURCE_ATTRIBUTES: must be key=value pairs separated by commas (values percent-encoded)',
      'OTEL_EXPORTER_OTLP_HEADERS: must be name=value pairs separated by commas (values percent-encoded)',
    ]);
    expect(listed.join('\n')).not.toContain('no-equals-sign-secret');
  });

  it('refuses grpc, a URL not http(s) or with credentials, a bad ratio, a batch larger than the queue', () => {
    const endpoint = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318' };
    expect(problems({ ...endpoint, OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'grpc' })).toEqual([
      'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: grpc is not supported; ' +
        "use http/protobuf or http/json (the collector's port 4318)",
    ]);
    expect(problems({ OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' })).toEqual([
      'OTEL_EXPORTER_OTLP_ENDPOINT: must use http or https',
    ]);
    expect(problems({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://user:pw-secret@c/v1/traces' })).toEqual([
      'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: must not contain credentials (put them in OTEL_EXPORTER_OTLP_HEADERS)',
    ]);
    expect(problems({ ...endpoint, OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '1.5' })).toEqual([
      'OTEL_TRACES_SAMPLER_ARG: must be a number from 0 to 1 with OTEL_TRACES_SAMPLER=traceidratio',
    ]);
    expect(problems({ ...endpoint, OTEL_BSP_MAX_QUEUE_SIZE: '10', OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '20' })).toEqual([
      'OTEL_BSP_MAX_EXPORT_BATCH_SIZE: must not be more than OTEL_BSP_MAX_QUEUE_SIZE',
    ]);
    // The argument of a sampler that takes none is ignored, as the specification says.
    expect(
      tracing({ ...endpoint, OTEL_TRACES_SAMPLER: 'always_on', OTEL_TRACES_SAMPLER_ARG: 'whatever' }).samplerRatio,
    ).toBe(1);
  });

  it('parses key=value lists as the OpenTelemetry environment writes them', () => {
    expect(parseKeyValues(undefined)).toEqual({});
    expect(parseKeyValues(' a = 1 , b=two%2Cthree,, ')).toEqual({ a: '1', b: 'two,three' });
    expect(parseKeyValues('a')).toBeUndefined();
    expect(parseKeyValues('a=%E0%A4%A')).toBeUndefined();
    expect(parseKeyValues('bad key=1')).toBeUndefined();
  });
});
