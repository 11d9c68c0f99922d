/**
 * src/telemetry without a gateway: off creates nothing; on, spans reach the exporter and are flushed
 * at shutdown; log lines get trace fields only inside a span of a tracing gateway; the samplers of
 * OTEL_TRACES_SAMPLER; the OTLP/HTTP exporter's headers, gzip, retries and failure report.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import { context, trace } from '@opentelemetry/api';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace';
import { loadConfig, type TracingOn } from '../../src/config';
import { createLogger } from '../../src/logger';
import { startTelemetry, TELEMETRY_OFF } from '../../src/telemetry';
import { traceLogFields } from '../../src/telemetry/context';
import { OtlpHttpTraceExporter } from '../../src/telemetry/exporter';
import * as provider from '../../src/telemetry/provider';

function sink(): { logger: ReturnType<typeof createLogger>; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(JSON.parse(String(chunk)) as Record<string, unknown>);
      done();
    },
  });
  return { logger: createLogger('info', stream), lines };
}

const ON = (env: Record<string, string> = {}) =>
  loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9/', ...env }).telemetry as TracingOn;

afterEach(() => jest.restoreAllMocks());

describe('telemetry', () => {
  it('off: no provider, processor or exporter is made, and log lines are unchanged', async () => {
    const made = jest.spyOn(provider, 'createProvider');
    const { logger, lines } = sink();
    const telemetry = startTelemetry(loadConfig({}).telemetry, logger);
    expect(telemetry).toBe(TELEMETRY_OFF);
    expect(telemetry.tracer).toBeUndefined();
    expect(made).not.toHaveBeenCalled();
    logger.info({ a: 1 }, 'line');
    expect(lines.at(-1)).toEqual({ level: 'info', time: expect.any(String), a: 1, msg: 'line' });
    expect(traceLogFields()).toEqual({});
  });

  it('on: spans reach the exporter, shutdown flushes them, log lines in a span carry its ids', async () => {
    const exported: ReadableSpan[] = [];
    const exporter = {
      export: (spans: ReadableSpan[], done: (result: ExportResult) => void) => {
        exported.push(...spans);
        done({ code: ExportResultCode.SUCCESS });
      },
      shutdown: async () => undefined,
    };
    const { logger, lines } = sink();
    const telemetry = startTelemetry(ON({ OTEL_BSP_SCHEDULE_DELAY: '600000' }), logger, { exporter });
    const span = telemetry.tracer!.startSpan('unit');
    context.with(trace.setSpan(context.active(), span), () => logger.info('inside'));
    logger.info('outside');
    span.end();
    expect(exported).toEqual([]);
    const inside = lines.find((l) => l.msg === 'inside');
    expect(inside).toMatchObject({ trace_id: span.spanContext().traceId, span_id: span.spanContext().spanId });
    expect(lines.find((l) => l.msg === 'outside')).not.toHaveProperty('trace_id');
    await telemetry.shutdown();
    expect(exported.map((s) => s.name)).toEqual(['unit']);
    expect(exported[0]!.resource.attributes).toMatchObject({ 'service.name': 'ncf-gateway' });
    // The last tracing gateway has stopped: no trace fields any more.
    expect(traceLogFields()).toEqual({});
  });

  it('makes the sampler OTEL_TRACES_SAMPLER names', () => {
    const names = [
      'always_on',
      'always_off',
      'traceidratio',
      'parentbased_always_on',
      'parentbased_always_off',
      'parentbased_traceidratio',
    ] as const;
    const parentBased = (root: string) =>
      `ParentBased{root=${root}, remoteParentSampled=AlwaysOnSampler, remoteParentNotSampled=AlwaysOffSampler, ` +
      'localParentSampled=AlwaysOnSampler, localParentNotSampled=AlwaysOffSampler}';
    expect(names.map((sampler) => provider.samplerFor({ sampler, samplerRatio: 0.5 }).toString())).toEqual([
      'AlwaysOnSampler',
      'AlwaysOffSampler',
      'TraceIdRatioBased{0.5}',
      parentBased('AlwaysOnSampler'),
      parentBased('AlwaysOffSampler'),
      parentBased('TraceIdRatioBased{0.5}'),
    ]);
  });
});

describe('OTLP/HTTP exporter', () => {
  interface Received {
    headers: http.IncomingHttpHeaders;
    body: Buffer;
  }
  let server: http.Server;
  let url: string;
  const received: Received[] = [];
  /** Statuses to answer, in order; 200 once they run out. */
  let answers: number[] = [];
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push({ headers: req.headers, body: Buffer.concat(chunks) });
        res.writeHead(answers.shift() ?? 200, { 'retry-after': '0' });
        res.end('collector answer');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/traces`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  beforeEach(() => {
    received.length = 0;
    answers = [];
  });

  async function spansToExport(): Promise<ReadableSpan[]> {
    const memory = new InMemorySpanExporter();
    const telemetry = startTelemetry(ON(), sink().logger, { exporter: memory });
    telemetry.tracer!.startSpan('exported').end();
    await telemetry.forceFlush();
    const spans = [...memory.getFinishedSpans()];
    await telemetry.shutdown();
    return spans;
  }

  function exportOnce(exporter: OtlpHttpTraceExporter, spans: ReadableSpan[]): Promise<ExportResult> {
    return new Promise((resolve) => exporter.export(spans, resolve));
  }

  it('posts JSON with the configured headers, gzipped when asked', async () => {
    const spans = await spansToExport();
    const { logger } = sink();
    const config = ON({
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_EXPORTER_OTLP_COMPRESSION: 'gzip',
      OTEL_EXPORTER_OTLP_HEADERS: 'x-tenant=web',
    });
    // The headers are not enumerable: a spread would lose them.
    const exporter = new OtlpHttpTraceExporter({ ...config, headers: config.headers, endpoint: url }, logger);
    expect(await exportOnce(exporter, spans)).toEqual({ code: ExportResultCode.SUCCESS });
    await exporter.shutdown();
    expect(received).toHaveLength(1);
    expect(received[0]!.headers).toMatchObject({
      'content-type': 'application/json',
      'content-encoding': 'gzip',
      'x-tenant': 'web',
    });
    const body = JSON.parse(gunzipSync(received[0]!.body).toString('utf8'));
    expect(body.resourceSpans[0].scopeSpans[0].spans.map((span: { name: string }) => span.name)).toEqual(['exported']);
  });

  it('retries 503 and 429, gives up after three attempts or on another status, and logs the failure once', async () => {
    const spans = await spansToExport();
    const { logger, lines } = sink();
    const exporter = new OtlpHttpTraceExporter({ ...ON(), headers: {}, endpoint: url }, logger);
    answers = [503, 429];
    expect(await exportOnce(exporter, spans)).toEqual({ code: ExportResultCode.SUCCESS });
    expect(received.map((r) => r.headers['content-type'])).toEqual(Array(3).fill('application/x-protobuf'));

    received.length = 0;
    answers = [503, 503, 503];
    expect((await exportOnce(exporter, spans)).code).toBe(ExportResultCode.FAILED);
    expect(received).toHaveLength(3);
    received.length = 0;
    answers = [400];
    expect((await exportOnce(exporter, spans)).code).toBe(ExportResultCode.FAILED);
    expect(received).toHaveLength(1);
    await exporter.shutdown();
    const warnings = lines.filter((l) => l.component === 'opentelemetry');
    expect(warnings).toEqual([expect.objectContaining({ level: 'warn', reason: 'HTTP 503', droppedSpans: 1 })]);
    expect(JSON.stringify(lines)).not.toContain('collector answer');
  });
});
