/**
 * client: OpenStack Nova, the reads the gateway needs: a server, its instance actions (paged), and
 * one action with its events (docs/upstream/compute.md#instance-actions-endpoints).
 *
 * Every call carries the Keystone token and the configured microversion (both header forms). A 401
 * renews the token once and repeats the call (these are idempotent GETs); a second 401 is
 * UPSTREAM_AUTH_FAILED. A 404 (`itemNotFound`) is null: "not found" is data.
 *
 * Paging asks Nova for one item more than the page, so `hasNextPage` is known without relying on
 * whether Nova sends a `next` link on the last full page.
 */
import { upstreamFailure, type GatewayError } from '../../errors';
import {
  buildQuery,
  exchange,
  parseRetryAfter,
  segment,
  type CallOptions,
  type Exchange,
  type PoolRegistry,
  type ReadLog,
  type UpstreamObserver,
} from '../http';
import type { UpstreamGuard } from '../resilience';
import type { SharedReads } from '../shared-reads';
import type { KeystoneAuth } from './auth';
import { novaError } from './errors';
import type { InstanceActionPage, InstanceActionQuery, NovaInstanceAction, NovaServer } from './types';

export interface NovaClientOptions {
  auth: KeystoneAuth;
  pools: PoolRegistry;
  /** e.g. '2.84' or 'latest'. */
  microversion: string;
  guard: UpstreamGuard;
  /** Reads shared across operations (de-duplication, short cache). */
  shared?: SharedReads;
  observer?: UpstreamObserver;
}

export type { CallOptions } from '../http';

export class NovaClient {
  readonly microversion: string;
  readonly #opts: NovaClientOptions;

  constructor(options: NovaClientOptions) {
    this.#opts = options;
    this.microversion = options.microversion;
  }

  async getServer(serverId: string, call: CallOptions = {}): Promise<NovaServer | null> {
    const body = await this.#get('GET /servers/{id}', `/servers/${segment(serverId)}`, call);
    if (body === null) return null;
    const server = (body as { server?: unknown }).server;
    if (!isObject(server) || typeof server.id !== 'string') throw badResponse();
    return server as unknown as NovaServer;
  }

  async listInstanceActions(
    serverId: string,
    query: InstanceActionQuery,
    call: CallOptions = {},
  ): Promise<InstanceActionPage | null> {
    const q = buildQuery([
      ['limit', query.limit + 1],
      ['marker', query.marker],
      ['changes-since', query.changesSince === undefined ? undefined : new Date(query.changesSince).toISOString()],
      ['changes-before', query.changesBefore === undefined ? undefined : new Date(query.changesBefore).toISOString()],
    ]);
    const body = await this.#get(
      'GET /servers/{id}/os-instance-actions',
      `/servers/${segment(serverId)}/os-instance-actions${q}`,
      call,
    );
    if (body === null) return null;
    const list = (body as { instanceActions?: unknown }).instanceActions;
    if (!Array.isArray(list)) throw badResponse();
    const actions = list.filter(isAction);
    return { actions: actions.slice(0, query.limit), hasNextPage: actions.length > query.limit };
  }

  async getInstanceAction(
    serverId: string,
    requestId: string,
    call: CallOptions = {},
  ): Promise<NovaInstanceAction | null> {
    const body = await this.#get(
      'GET /servers/{id}/os-instance-actions/{request_id}',
      `/servers/${segment(serverId)}/os-instance-actions/${segment(requestId)}`,
      call,
    );
    if (body === null) return null;
    const action = (body as { instanceAction?: unknown }).instanceAction;
    if (!isAction(action)) throw badResponse();
    return action;
  }

  /** GET with token renewal on 401; null on 404. The operation's read log is told of it (see ReadLog). */
  async #get(route: string, pathAndQuery: string, call: CallOptions): Promise<unknown> {
    call.reads?.read(`compute ${pathAndQuery}`);
    const first = this.#send(route, pathAndQuery, call);
    let res = await (call.reads ? noteFailure(first, call.reads) : first);
    if (res.status === 401) {
      this.#opts.auth.invalidate(res.token);
      const again = this.#send(route, pathAndQuery, call);
      res = await (call.reads ? noteFailure(again, call.reads) : again);
    }
    if (res.status < 200 || res.status >= 300) call.reads?.unkept();
    if (res.status === 404) return null;
    if (res.status >= 200 && res.status < 300) {
      if (!isObject(res.body)) throw badResponse();
      return res.body;
    }
    throw novaError(res.status, res.body, parseRetryAfter(res.headers['retry-after']), this.microversion);
  }

  async #send(route: string, pathAndQuery: string, call: CallOptions): Promise<Exchange & { token: string }> {
    const { auth, pools, observer, microversion, guard, shared } = this.#opts;
    const session = await auth.session(call.signal, call);
    const base = new URL(session.computeUrl);
    const path = `${base.pathname.replace(/\/+$/, '')}${pathAndQuery}`;
    const run = (signal: AbortSignal | undefined) => {
      const attempt = (traceparent?: string) =>
        exchange(
          pools.get(base.origin),
          {
            origin: base.origin,
            path,
            method: 'GET',
            headers: {
              'x-auth-token': session.token,
              'openstack-api-version': `compute ${microversion}`,
              'x-openstack-nova-api-version': microversion,
            },
            ...(signal ? { signal } : {}),
            ...(call.trace ? { trace: call.trace } : {}),
            ...(traceparent !== undefined ? { traceparent } : {}),
          },
          { service: 'compute', route, ...(observer ? { observer } : {}) },
        );
      return guard.run(attempt, {
        idempotent: true,
        ...(signal ? { signal } : {}),
        ...(call.deadline !== undefined ? { deadline: call.deadline } : {}),
        // For the attempt's span (traced only).
        route,
        method: 'GET',
        trace: call.trace,
        parent: call.parent,
      });
    };
    const res = shared?.enabled
      ? await shared.read(
          'compute',
          `compute ${auth.identity} ${microversion} GET ${base.origin}${path}`,
          call.signal,
          run,
        )
      : await run(call.signal);
    return { ...res, token: session.token };
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isAction(value: unknown): value is NovaInstanceAction {
  return isObject(value) && typeof value.request_id === 'string' && typeof value.action === 'string';
}

/** `answer`, with a failure (no answer at all) told to `reads`. */
function noteFailure<T>(answer: Promise<T>, reads: ReadLog): Promise<T> {
  return answer.catch((error: unknown) => {
    reads.unkept();
    throw error;
  });
}

function badResponse(): GatewayError {
  return upstreamFailure('badResponse', 'compute');
}
