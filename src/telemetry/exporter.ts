/**
 * exporter: OTLP/HTTP for traces, `http/protobuf` or `http/json`, as the OTLP specification
 * describes it: one POST of an ExportTraceServiceRequest per batch to the traces URL, the
 * configured headers, optional gzip, a time bound, and a few retries of the answers the
 * specification calls retryable (429, 502, 503, 504, or no answer), with backoff (the collector's
 * Retry-After when it sends one), never past the time bound.
 *
 * The bytes are OpenTelemetry's own encoding (@opentelemetry/otlp-transformer's serializers); the
 * request is undici's, with a connection pool of its own (never the upstreams'). The SDK's
 * exporter packages were not used: they load `http` with a dynamic `import()` on their first
 * export, which a CommonJS test runner such as Jest cannot run, and they read the environment again
 * by themselves; this one is given everything by the configuration (src/config/telemetry).
 *
 * An export that fails is reported to the batch processor (which drops the batch) and logged at
 * warn, at most once a minute, with the status or the transport error's code: never a span, a
 * header or the collector's answer.
 */
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { JsonTraceSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace';
import type { Logger } from 'pino';
import { Agent, request } from 'undici';
import type { TracingOn } from '../config/telemetry';

const RETRYABLE = new Set([429, 502, 503, 504]);
const ATTEMPTS = 3;
const BASE_DELAY_MS = 200;
const LOG_EVERY_MS = 60_000;

type ExporterConfig = Pick<TracingOn, 'endpoint' | 'protocol' | 'headers' | 'timeoutMs' | 'compression' | 'tls'>;

class ExportFailure extends Error {
  constructor(
    readonly reason: string,
    readonly retryable: boolean,
    readonly retryAfterMs?: number,
  ) {
    super(`OTLP export failed: ${reason}`);
  }
}

export class OtlpHttpTraceExporter implements SpanExporter {
  readonly #config: ExporterConfig;
  readonly #agent: Agent;
  readonly #headers: Record<string, string>;
  readonly #logger: Logger | undefined;
  readonly #inflight = new Set<Promise<void>>();
  #stopped = false;
  #lastLogAt = -Infinity;
  #unlogged = 0;

  constructor(config: ExporterConfig, logger?: Logger) {
    this.#config = config;
    this.#logger = logger;
    const tls = config.tls;
    this.#agent = new Agent({
      connections: 4,
      connect: {
        ...(tls.ca ? { ca: readFileSync(tls.ca) } : {}),
        ...(tls.cert ? { cert: readFileSync(tls.cert) } : {}),
        ...(tls.key ? { key: readFileSync(tls.key) } : {}),
      },
    });
    this.#headers = {
      ...config.headers,
      'content-type': config.protocol === 'http/json' ? 'application/json' : 'application/x-protobuf',
      ...(config.compression === 'gzip' ? { 'content-encoding': 'gzip' } : {}),
    };
  }

  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    if (this.#stopped) return done({ code: ExportResultCode.FAILED, error: new Error('The exporter is shut down') });
    const serializer = this.#config.protocol === 'http/json' ? JsonTraceSerializer : ProtobufTraceSerializer;
    const encoded = serializer.serializeRequest(spans);
    if (!encoded) return done({ code: ExportResultCode.FAILED, error: new Error('The spans could not be encoded') });
    const body = this.#config.compression === 'gzip' ? gzipSync(encoded) : encoded;
    const sent = this.#send(body).then(
      () => done({ code: ExportResultCode.SUCCESS }),
      (error: unknown) => {
        this.#report(error, spans.length);
        done({ code: ExportResultCode.FAILED, error: error instanceof Error ? error : new Error(String(error)) });
      },
    );
    this.#inflight.add(sent);
    void sent.finally(() => this.#inflight.delete(sent));
  }

  async forceFlush(): Promise<void> {
    await Promise.all([...this.#inflight]);
  }

  async shutdown(): Promise<void> {
    this.#stopped = true;
    await this.forceFlush();
    await this.#agent.close();
  }

  /** One export: attempts until one succeeds, fails for good, or the time bound is reached. */
  async #send(body: Uint8Array): Promise<void> {
    const deadline = Date.now() + this.#config.timeoutMs;
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.#post(body, deadline - Date.now());
      } catch (error) {
        const failure = error instanceof ExportFailure ? error : undefined;
        if (!failure?.retryable || attempt >= ATTEMPTS) throw error;
        const wait = failure.retryAfterMs ?? Math.random() * BASE_DELAY_MS * 2 ** (attempt - 1);
        if (Date.now() + wait >= deadline) throw error;
        await new Promise((resolve) => setTimeout(resolve, wait).unref());
      }
    }
  }

  async #post(body: Uint8Array, timeoutMs: number): Promise<void> {
    let res;
    try {
      res = await request(this.#config.endpoint, {
        method: 'POST',
        headers: this.#headers,
        body,
        dispatcher: this.#agent,
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
        signal: AbortSignal.timeout(Math.max(1, timeoutMs)),
      });
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      throw new ExportFailure(typeof code === 'string' ? code : (error as Error).name, true);
    }
    // The answer's body (an ExportTraceServiceResponse, or an error) is read and not kept.
    await res.body.dump();
    if (res.statusCode >= 200 && res.statusCode < 300) return;
    const retryAfter = Number(res.headers['retry-after']);
    throw new ExportFailure(
      `HTTP ${res.statusCode}`,
      RETRYABLE.has(res.statusCode),
      Number.isFinite(retryAfter) && retryAfter >= 0 ? retryAfter * 1000 : undefined,
    );
  }

  /** Logs a failed export, at most once a minute (a collector that is down fails every batch). */
  #report(error: unknown, spans: number): void {
    this.#unlogged += spans;
    const now = Date.now();
    if (!this.#logger || now - this.#lastLogAt < LOG_EVERY_MS) return;
    this.#lastLogAt = now;
    const reason = error instanceof ExportFailure ? error.reason : 'error';
    this.#logger.warn(
      { component: 'opentelemetry', reason, droppedSpans: this.#unlogged },
      `Spans not exported (${reason}); dropped, tracing goes on`,
    );
    this.#unlogged = 0;
  }
}
