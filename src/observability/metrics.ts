/**
 * metrics: Prometheus metrics (prom-client), in a registry of the server's own (not the global one,
 * so several servers in one process, as in tests, do not mix). Served at GET /metrics.
 *
 * Labels are bounded: routes are templates (`GET /packages/{pkg}`), operation names are checked
 * and capped in number, outcomes and states are small enums.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { SlotUsage } from '../fleet/invoke-slots';
import type { PrincipalClass } from '../fleet/principal-key';
import type { UpstreamCallEvent } from '../upstream/http';
import type { BreakerState } from '../upstream/resilience';
import type { SharedOutcome } from '../upstream/shared-reads';

const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
const OPERATION_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
const MAX_OPERATION_NAMES = 200;
/** Gauges read at scrape time from the part of the gateway that owns the number. */
type SampledSource = 'connections' | 'subscriptions' | 'pollers';
const BREAKER_VALUE: Record<BreakerState, number> = { closed: 0, 'half-open': 1, open: 2 };

export class GatewayMetrics {
  readonly registry = new Registry();
  readonly #names = new Set<string>();

  readonly httpDuration = new Histogram({
    name: 'gateway_http_request_duration_seconds',
    help: 'HTTP requests served, by method, route and status code.',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });

  readonly operationDuration = new Histogram({
    name: 'gateway_graphql_operation_duration_seconds',
    help: 'GraphQL operations, by operation name, type, outcome (success, partial, error) and transport (http, ws).',
    labelNames: ['operation', 'type', 'outcome', 'transport'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });

  readonly operationUpstreamCalls = new Histogram({
    name: 'gateway_graphql_operation_upstream_calls',
    help: 'Upstream requests one operation caused, by operation name.',
    labelNames: ['operation'] as const,
    buckets: [0, 1, 2, 3, 5, 10, 20, 50, 100],
    registers: [this.registry],
  });

  readonly upstreamDuration = new Histogram({
    name: 'gateway_upstream_request_duration_seconds',
    help:
      'Upstream requests, by service, route, status (an HTTP status, or the transport error) and failure: ' +
      'upstream (a 5xx or no answer: alert on these), action (a run that failed: the user code, not the upstream), ' +
      'none.',
    labelNames: ['service', 'route', 'status', 'failure'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });

  readonly upstreamRetries = new Counter({
    name: 'gateway_upstream_retries_total',
    help: 'Upstream requests sent again, by service and reason.',
    labelNames: ['service', 'reason'] as const,
    registers: [this.registry],
  });

  readonly breakerState = new Gauge({
    name: 'gateway_upstream_breaker_state',
    help: 'Circuit breaker state per upstream: 0 closed, 1 half-open, 2 open.',
    labelNames: ['service'] as const,
    registers: [this.registry],
  });

  readonly redisUp = new Gauge({
    name: 'gateway_redis_up',
    help:
      'Whether this replica uses the shared Redis now (1) or runs on its own memory (0); ' +
      'absent without GATEWAY_REDIS_URL.',
    registers: [this.registry],
  });

  readonly sharedReads = new Counter({
    name: 'gateway_upstream_shared_reads_total',
    help:
      'Upstream reads by outcome: miss (sent), shared (joined an identical read in flight), ' +
      'hit (answered from cache).',
    labelNames: ['service', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly operationsDeduplicated = new Counter({
    name: 'gateway_operations_deduplicated_total',
    help:
      'Queries that waited for an identical one in flight and shared its answer instead of executing ' +
      '(GATEWAY_OPERATION_DEDUPE), by transport.',
    labelNames: ['transport'] as const,
    registers: [this.registry],
  });

  readonly responseCacheLookups = new Counter({
    name: 'gateway_response_cache_lookups_total',
    help: 'Response cache lookups (GATEWAY_RESPONSE_CACHE_TTL_MS) by outcome: hit, miss, bypass (Redis unavailable).',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  readonly loaderBatchSize = new Histogram({
    name: 'gateway_loader_batch_size',
    help: 'Distinct keys per DataLoader batch, by loader.',
    labelNames: ['loader'] as const,
    buckets: [1, 2, 3, 5, 10, 20, 50, 100],
    registers: [this.registry],
  });

  /** Where the gauges below read their values when scraped (set by the parts that own them). */
  readonly #sources: Partial<Record<SampledSource, () => number>> = {};

  readonly wsConnections = this.#sampled(
    'gateway_ws_connections',
    'Open WebSocket connections (graphql-ws on /graphql).',
    'connections',
  );

  readonly wsClosed = new Counter({
    name: 'gateway_ws_closed_total',
    help: 'WebSocket connections closed, by close code.',
    labelNames: ['code'] as const,
    registers: [this.registry],
  });

  readonly wsRefused = new Counter({
    name: 'gateway_ws_refused_total',
    help: 'WebSocket upgrades, connections and operations refused, by reason.',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });

  readonly liveSubscriptions = this.#sampled('gateway_subscriptions', 'Subscriptions running now.', 'subscriptions');

  readonly subscriptionPollers = this.#sampled(
    'gateway_subscription_pollers',
    'Runs being polled now (one poller per run, however many subscribers).',
    'pollers',
  );

  readonly rateLimited = new Counter({
    name: 'gateway_rate_limited_total',
    help:
      'Operations refused by a per-client rate limit (limit: operations, invoke) or for want of an invoke ' +
      'slot (concurrency: GATEWAY_INVOKE_CONCURRENCY), by principal class (anonymous, apikey, jwt; unknown: ' +
      'an invoke outside an operation), never by identity.',
    labelNames: ['class', 'limit'] as const,
    registers: [this.registry],
  });

  /** Where gateway_invoke_slots reads its values when scraped. */
  readonly #invokeSlots: { read?: () => SlotUsage } = {};

  readonly invokeSlots = (() => {
    const source = this.#invokeSlots;
    return new Gauge({
      name: 'gateway_invoke_slots',
      help:
        'Invoke slots of this replica (GATEWAY_INVOKE_CONCURRENCY): in_use, runs it has in flight on ' +
        'Cloud Functions; waiting, invokes waiting for a slot.',
      labelNames: ['state'] as const,
      registers: [this.registry],
      collect() {
        const usage = source.read?.() ?? { inUse: 0, waiting: 0 };
        this.set({ state: 'in_use' }, usage.inUse);
        this.set({ state: 'waiting' }, usage.waiting);
      },
    });
  })();

  readonly authFailures = new Counter({
    name: 'gateway_auth_failures_total',
    help: 'Client credentials refused, by outcome (unauthenticated, unavailable) and transport.',
    labelNames: ['outcome', 'transport'] as const,
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'gateway_' });
    for (const service of ['cloudfunctions', 'identity', 'compute']) this.breakerState.set({ service }, 0);
  }

  /** Gives gateway_invoke_slots its source (src/fleet/invoke-slots). */
  sampleInvokeSlots(read: () => SlotUsage): void {
    this.#invokeSlots.read = read;
  }

  /** Gives a sampled gauge its source. */
  sample(source: SampledSource, read: () => number): void {
    this.#sources[source] = read;
  }

  /** A gauge read from its source at each scrape (0 until a source is set). */
  #sampled(name: string, help: string, source: SampledSource): Gauge {
    const sources = this.#sources;
    return new Gauge({
      name,
      help,
      registers: [this.registry],
      collect() {
        this.set(sources[source]?.() ?? 0);
      },
    });
  }

  /** A bounded label for an operation name. */
  operationLabel(name: string | null | undefined): string {
    if (!name) return 'anonymous';
    if (!OPERATION_NAME.test(name)) return 'invalid';
    if (this.#names.has(name)) return name;
    if (this.#names.size >= MAX_OPERATION_NAMES) return 'other';
    this.#names.add(name);
    return name;
  }

  observeUpstream(event: UpstreamCallEvent): void {
    const status = event.status > 0 ? String(event.status) : (event.transportError ?? 'error');
    this.upstreamDuration.observe(
      { service: event.service, route: event.route, status, failure: event.failure ?? 'none' },
      event.durationMs / 1000,
    );
  }

  observeBreaker(service: string, state: BreakerState): void {
    this.breakerState.set({ service }, BREAKER_VALUE[state]);
  }

  observeSharedRead(service: string, outcome: SharedOutcome): void {
    this.sharedReads.inc({ service, outcome });
  }
}

/** The hooks createUpstreams takes, feeding these metrics. */
export function upstreamHooks(metrics: GatewayMetrics) {
  return {
    observer: (event: UpstreamCallEvent) => metrics.observeUpstream(event),
    events: {
      onRetry: (service: string, reason: string) => metrics.upstreamRetries.inc({ service, reason }),
      onBreakerState: (service: string, state: BreakerState) => metrics.observeBreaker(service, state),
    },
    onSharedRead: (service: string, outcome: SharedOutcome) => metrics.observeSharedRead(service, outcome),
    onInvokeRefused: (principalClass: PrincipalClass | 'unknown') =>
      metrics.rateLimited.inc({ class: principalClass, limit: 'concurrency' }),
  };
}
