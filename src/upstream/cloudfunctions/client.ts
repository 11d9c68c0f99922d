/**
 * client: the NCP Cloud Functions REST API (docs/upstream/cloud-functions.md), one method per endpoint the
 * gateway reads or calls.
 *
 * Every request goes through {@link CloudFunctionsClient.send}: the path and query are built once,
 * that exact string is signed and sent, `platform` is always explicit (its default flips between
 * the two API generations), and the answer is either the `content` of the envelope or a
 * GatewayError. GETs answer null for a 404: "not found" is data, not a failure.
 *
 * Both generations are spoken: `/ncf/api/v2` (v2.1) and `/api/v2` (v2.0). They differ, for the
 * gateway, in how an activation list's time window is written (epoch ms vs local time) and in how
 * an action write says its type (v2.1: the `type` query; v2.0: `web` and `exec.kind` in the body) and
 * its VPC subnets (v2.1: an array; v2.0: one object), docs/upstream/triggers.md#actions-bodies-the-console-sends.
 *
 * Writes (package and action upserts and deletes): NCP's PUT is an upsert that sends the whole
 * resource, so sending it again leaves the same state: it is retried like a read. A DELETE is not
 * (a second attempt after a lost answer would report NOT_FOUND for a delete that happened). Every write
 * then invalidates what it touched in the shared reads (in flight and cached, fleet-wide) and in the
 * response cache, whatever its outcome (a write that failed on the way back may still have happened),
 * before it answers: a read after the write sees it.
 */
import type { Dispatcher } from 'undici';
import { upstreamFailure, type GatewayError } from '../../errors';
import type { InvokeCaller, InvokeSlots } from '../../fleet/invoke-slots';
import {
  buildQuery,
  exchange,
  noteRead,
  parseRetryAfter,
  segment,
  serializeBody,
  type CallOptions,
  type Exchange,
  type UpstreamObserver,
} from '../http';
import type { UpstreamGuard } from '../resilience';
import type { SharedReads } from '../shared-reads';
import { ncpError, readNcpError, type NcpTarget } from './errors';
import type { Signer } from './signer';
import type {
  ActionDetail,
  ActionKey,
  ActionSummary,
  ActivationKey,
  ActivationList,
  ActivationQuery,
  ActivationRecord,
  ActivationSummary,
  ActionWrite,
  ApiGeneration,
  InvokeOutcome,
  PackageDetail,
  PackageKey,
  PackageSummary,
  PackageWrite,
  Platform,
  TriggerDetail,
  TriggerKey,
  TriggerSummary,
  TriggerWrite,
} from './types';

export type { CallOptions } from '../http';

/**
 * What an operation hands a Cloud Functions call. `fresh`: ask the upstream itself, never a shared
 * or cached answer: the checks a write makes first (does it exist?) must not trust a copy.
 */
export interface FunctionsCall extends CallOptions {
  fresh?: boolean;
}

type QueryParams = ReadonlyArray<readonly [string, string | number | undefined]>;

export interface CloudFunctionsClientOptions {
  /** e.g. https://cloudfunctions.apigw.ntruss.com */
  origin: string;
  /** e.g. /ncf/api/v2 */
  basePath: string;
  generation: ApiGeneration;
  /** UTC offset of the region's local time, in hours (v2.0 time filters are local time). */
  utcOffsetHours: number;
  signer: Signer;
  /** The Pool for `origin`, shared by every request for the life of the process. */
  dispatcher: Dispatcher;
  /** Retries and circuit breaker for this upstream. */
  guard: UpstreamGuard;
  /** Reads shared across operations (de-duplication, short cache). */
  shared?: SharedReads;
  /** GATEWAY_INVOKE_CONCURRENCY: a slot is held from each invoke's POST until it answers. */
  invokeSlots?: InvokeSlots;
  observer?: UpstreamObserver;
}

/** The invoke wait the upstream applies when none is given (docs/upstream/cloud-functions.md#invoke). */
export const DEFAULT_INVOKE_WAIT_MS = 60_000;
/** Extra time granted to an invoke's HTTP exchange beyond the wait the upstream applies. */
const INVOKE_HEADERS_MARGIN_MS = 10_000;

interface SendOptions extends FunctionsCall {
  route: string;
  body?: unknown;
  headersTimeoutMs?: number;
}

export class CloudFunctionsClient {
  readonly generation: ApiGeneration;
  readonly #opts: CloudFunctionsClientOptions;
  readonly #invalidated = new Set<(prefixes: string[]) => Promise<void> | void>();

  constructor(options: CloudFunctionsClientOptions) {
    this.#opts = options;
    this.generation = options.generation;
  }

  /** Who the gateway is to Cloud Functions, and where (the access key id, no secret): hashed wherever it is kept. */
  get identity(): string {
    return `${this.#opts.origin}${this.#opts.basePath} ${this.#opts.signer.accessKey}`;
  }

  /**
   * Told, after each write and before it answers, the reads it made stale: prefixes of read tags
   * (`cloudfunctions <path>`, see ReadLog in ../http), for the response cache. Returns the function
   * that stops telling.
   */
  onInvalidate(listener: (prefixes: string[]) => Promise<void> | void): () => void {
    this.#invalidated.add(listener);
    return () => this.#invalidated.delete(listener);
  }

  async listPackages(platform: Platform, call: FunctionsCall = {}): Promise<PackageSummary[]> {
    const content = await this.#get('GET /packages', '/packages', { platform }, call);
    const list = Array.isArray(content) ? content : arrayField(content, 'packages');
    if (!list) throw badResponse();
    return list.filter(hasName);
  }

  async getPackage(key: PackageKey, call: FunctionsCall = {}): Promise<PackageDetail | null> {
    const content = await this.#getOrNull('GET /packages/{pkg}', `/packages/${segment(key.package)}`, key, call);
    if (content === null) return null;
    if (!hasName(content)) throw badResponse();
    return content as PackageDetail;
  }

  async listActions(key: PackageKey, call: FunctionsCall = {}): Promise<ActionSummary[] | null> {
    const content = await this.#getOrNull(
      'GET /packages/{pkg}/actions',
      `/packages/${segment(key.package)}/actions`,
      key,
      call,
    );
    if (content === null) return null;
    const list = Array.isArray(content) ? content : arrayField(content, 'actions');
    if (!list) throw badResponse();
    return list.filter(hasName);
  }

  async getAction(key: ActionKey, call: FunctionsCall = {}): Promise<ActionDetail | null> {
    const content = await this.#getOrNull('GET /packages/{pkg}/actions/{action}', actionPath(key), key, call);
    if (content === null) return null;
    if (!hasName(content)) throw badResponse();
    return content as ActionDetail;
  }

  async listActivations(
    key: ActionKey,
    query: ActivationQuery,
    call: FunctionsCall = {},
  ): Promise<ActivationList | null> {
    const route = 'GET /packages/{pkg}/actions/{action}/activations';
    return this.#activationList(route, `${actionPath(key)}/activations`, key, query, call);
  }

  /**
   * Every run in the namespace, on one platform (GET /activations): NCP's items carry only the id,
   * duration and status (docs/upstream/triggers.md#endpoints), trigger firings among them.
   */
  async listNamespaceActivations(
    platform: Platform,
    query: ActivationQuery,
    call: FunctionsCall = {},
  ): Promise<ActivationList> {
    const list = await this.#activationList('GET /activations', '/activations', { platform }, query, call);
    if (!list) throw ncpError(404, undefined, { target: { platform } });
    return list;
  }

  /** A trigger's own activations (one per firing); null when the trigger does not exist. */
  async listTriggerActivations(
    key: TriggerKey,
    query: ActivationQuery,
    call: FunctionsCall = {},
  ): Promise<ActivationList | null> {
    const route = 'GET /triggers/{trigger}/activations';
    return this.#activationList(route, `${triggerPath(key)}/activations`, key, query, call);
  }

  /** One paged activation list, whoever's runs it holds; null for a 404. */
  async #activationList(
    route: string,
    path: string,
    target: NcpTarget,
    query: ActivationQuery,
    call: FunctionsCall,
  ): Promise<ActivationList | null> {
    const content = await this.#getOrNull(route, path, target, call, [
      ['pageNo', query.pageNo],
      ['pageSize', query.pageSize],
      ['start', query.since === undefined ? undefined : this.#formatTime(query.since)],
      ['end', query.until === undefined ? undefined : this.#formatTime(query.until)],
    ]);
    if (content === null) return null;
    const activations = arrayField(content, 'activations');
    if (!activations) throw badResponse();
    const total = Number((content as { totalCount?: unknown }).totalCount);
    const items = activations.filter(
      (a): a is ActivationSummary => !!a && typeof (a as ActivationSummary).activationId === 'string',
    );
    return { activations: items, totalCount: Number.isFinite(total) ? total : items.length };
  }

  async getActivation(key: ActivationKey, call: FunctionsCall = {}): Promise<ActivationRecord | null> {
    const content = await this.#getOrNull(
      'GET /packages/{pkg}/actions/{action}/activations/{id}',
      `${actionPath(key)}/activations/${segment(key.id)}`,
      key,
      call,
    );
    if (content === null) return null;
    if (!isRecord(content)) throw badResponse();
    return this.#withoutOwnKey(content);
  }

  /** One firing of a trigger in full; null when it, or the trigger, does not exist. */
  async getTriggerActivation(
    key: TriggerKey & { id: string },
    call: FunctionsCall = {},
  ): Promise<ActivationRecord | null> {
    const route = 'GET /triggers/{trigger}/activations/{id}';
    const content = await this.#getOrNull(route, `${triggerPath(key)}/activations/${segment(key.id)}`, key, call);
    if (content === null) return null;
    if (!isRecord(content)) throw badResponse();
    return this.#withoutOwnKey(content);
  }

  async listTriggers(platform: Platform, call: FunctionsCall = {}): Promise<TriggerSummary[]> {
    const content = await this.#get('GET /triggers', '/triggers', { platform }, call);
    const list = Array.isArray(content) ? content : arrayField(content, 'triggers');
    if (!list) throw badResponse();
    return list.filter(hasName);
  }

  async getTrigger(key: TriggerKey, call: FunctionsCall = {}): Promise<TriggerDetail | null> {
    const content = await this.#getOrNull('GET /triggers/{trigger}', triggerPath(key), key, call);
    if (content === null) return null;
    if (!hasName(content)) throw badResponse();
    return content as TriggerDetail;
  }

  /**
   * Creates or replaces a package (PUT is an upsert: the caller checks first). Answers the package when
   * the answer's content is one, else null (the v2.1 page types that content as a String).
   */
  async putPackage(key: PackageKey, write: PackageWrite, call: FunctionsCall = {}): Promise<PackageDetail | null> {
    const p = segment(key.package);
    const body = {
      ...(write.description !== undefined ? { description: write.description } : {}),
      ...(write.parameters !== undefined ? { parameters: write.parameters } : {}),
    };
    const content = await this.#write('PUT', 'PUT /packages/{pkg}', `/packages/${p}`, [], body, key, call, [
      '/packages?',
      `/packages/${p}?`,
    ]);
    return hasName(content) ? (content as PackageDetail) : null;
  }

  /** Deletes a package; NCP refuses one that still has actions (409 80109). */
  async deletePackage(key: PackageKey, call: FunctionsCall = {}): Promise<void> {
    const p = segment(key.package);
    await this.#write('DELETE', 'DELETE /packages/{pkg}', `/packages/${p}`, [], undefined, key, call, [
      '/packages?',
      `/packages/${p}?`,
      `/packages/${p}/`,
    ]);
  }

  /**
   * Creates or replaces an action (the whole action). v2.1 says the type in the `type` query; v2.0
   * has none, so `web: true` and `exec.kind: "sequence"` say it (the emulator's reading, inferred).
   */
  async putAction(key: ActionKey, write: ActionWrite, call: FunctionsCall = {}): Promise<ActionDetail | null> {
    const v21 = this.generation === 'v2.1';
    const web = write.type === 'web' || write.type === 'sequence-web';
    const body: Record<string, unknown> = {
      ...(write.description !== undefined ? { description: write.description } : {}),
      ...(write.parameters !== undefined ? { parameters: write.parameters } : {}),
      ...(write.limits ? { limits: write.limits } : {}),
      exec: write.exec,
      ...(write.vpc && write.vpc.length > 0 ? { vpc: v21 ? write.vpc : write.vpc[0] } : {}),
      ...(write.rawHttp !== undefined ? { 'raw-http': write.rawHttp } : {}),
      ...(write.customOptions !== undefined ? { 'custom-options': write.customOptions } : {}),
      ...(!v21 && web ? { web: true } : {}),
    };
    const route = 'PUT /packages/{pkg}/actions/{action}';
    const query: QueryParams = v21 ? [['type', write.type]] : [];
    const content = await this.#write('PUT', route, actionPath(key), query, body, key, call, actionPrefixes(key));
    return hasName(content) ? (content as ActionDetail) : null;
  }

  /**
   * Deletes an action. The upstream also unlinks it from its triggers and takes it out of the
   * sequences that use it (docs/upstream/triggers.md#deleting-an-action), so every package's actions
   * and every trigger are invalidated, not only its own reads.
   */
  async deleteAction(key: ActionKey, call: FunctionsCall = {}): Promise<void> {
    const route = 'DELETE /packages/{pkg}/actions/{action}';
    await this.#write('DELETE', route, actionPath(key), [], undefined, key, call, ['/packages', '/triggers']);
  }

  /**
   * Creates or replaces a trigger; `type` is required by the upstream and cannot change. v2.0 wraps the
   * body in `trigger`.
   */
  async putTrigger(key: TriggerKey, write: TriggerWrite, call: FunctionsCall = {}): Promise<TriggerDetail | null> {
    const t = segment(key.trigger);
    const body = this.generation === 'v2.1' ? write.fields : { trigger: write.fields };
    const content = await this.#write(
      'PUT',
      'PUT /triggers/{trigger}',
      `/triggers/${t}`,
      [['type', write.type]],
      body,
      key,
      call,
      ['/triggers?', `/triggers/${t}?`],
    );
    return hasName(content) ? (content as TriggerDetail) : null;
  }

  /** Deletes a trigger (its links go with it). */
  async deleteTrigger(key: TriggerKey, call: FunctionsCall = {}): Promise<void> {
    const t = segment(key.trigger);
    await this.#write('DELETE', 'DELETE /triggers/{trigger}', `/triggers/${t}`, [], undefined, key, call, [
      '/triggers?',
      `/triggers/${t}?`,
      `/triggers/${t}/`,
    ]);
  }

  /**
   * Links an action to a trigger (OpenWhisk's rule, hidden). The body is `{action, package}` with
   * `package` always written (`-` for none): v2.0 requires it, v2.1 defaults it to `-`.
   */
  async linkAction(key: TriggerKey, action: ActionKey, call: FunctionsCall = {}): Promise<void> {
    const route = 'POST /triggers/{trigger}/link-action';
    const body = { action: action.action, package: action.package };
    await this.#write('POST', route, `${triggerPath(key)}/link-action`, [], body, key, call, [
      `/triggers/${segment(key.trigger)}?`,
    ]);
  }

  /** Unlinks an action from a trigger: a DELETE with the same body as the link (not a query). */
  async unlinkAction(key: TriggerKey, action: ActionKey, call: FunctionsCall = {}): Promise<void> {
    const route = 'DELETE /triggers/{trigger}/link-action';
    const body = { action: action.action, package: action.package };
    await this.#write('DELETE', route, `${triggerPath(key)}/link-action`, [], body, key, call, [
      `/triggers/${segment(key.trigger)}?`,
    ]);
  }

  /**
   * Fires a trigger: `linked` (the actions it runs, as the caller read them) get a run each. Never
   * retried once it may have reached the upstream. Answers the id of the trigger's activation. The
   * trigger's activations, the namespace's and each linked action's are invalidated.
   */
  async fireTrigger(
    key: TriggerKey,
    params: Record<string, unknown>,
    linked: readonly ActionKey[],
    call: FunctionsCall = {},
  ): Promise<string> {
    const content = await this.#write('POST', 'POST /triggers/{trigger}', triggerPath(key), [], params, key, call, [
      `${triggerPath(key)}/activations`,
      '/activations',
      ...linked.map((a) => `${actionPath(a)}/activations`),
    ]);
    const id = isObject(content) && typeof content.activationId === 'string' ? content.activationId : undefined;
    if (!id) throw badResponse();
    return id;
  }

  /**
   * One write: sent, its error mapped, and what it touched (`stale`: path prefixes below the base
   * path) invalidated whatever the outcome. Answers the envelope's content (undefined for a 204).
   */
  async #write(
    method: 'PUT' | 'POST' | 'DELETE',
    route: string,
    path: string,
    query: QueryParams,
    body: unknown,
    target: NcpTarget,
    call: FunctionsCall,
    stale: string[],
  ): Promise<unknown> {
    let res: Exchange;
    try {
      res = await this.send(method, `${path}${buildQuery([['platform', target.platform], ...query])}`, {
        ...call,
        route,
        ...(body !== undefined ? { body } : {}),
      });
    } finally {
      await this.#invalidate(stale);
    }
    if (res.status < 200 || res.status >= 300) throw this.#error(res, target);
    return envelopeContent(res.body);
  }

  /**
   * Tells the shared reads (fleet-wide) and the response cache that what is under these path
   * prefixes (relative to the base path) is stale, before the write answers.
   */
  async #invalidate(prefixes: string[]): Promise<void> {
    const paths = prefixes.map((prefix) => `${this.#opts.basePath}${prefix}`);
    await this.#opts.shared?.invalidate(paths.map((path) => this.#sharedKey(path)));
    await Promise.all([...this.#invalidated].map((told) => told(paths.map((path) => `cloudfunctions ${path}`))));
  }

  /**
   * Runs an action. Never retried: once the request may have reached the upstream, a second
   * attempt could run the action twice.
   *
   * Answers (docs/upstream/cloud-functions.md#invoke, docs/upstream/openwhisk.md#invoke-answers): 200 with
   * the full record (finished); 200 or 202 with only an activationId (outlived the wait, still running);
   * 502 with a record whose response.success is false (the action ran and failed: a result, not an error).
   *
   * With invoke slots (src/fleet/invoke-slots), the POST waits for one (RATE_LIMITED when none frees
   * up in time), taken in turn with the other invokes of `caller`'s principal, and gives it back when
   * the upstream has answered or failed.
   */
  async invoke(
    key: ActionKey,
    params: Record<string, unknown>,
    waitMs: number | undefined,
    call: FunctionsCall & { caller?: InvokeCaller } = {},
  ): Promise<InvokeOutcome> {
    const query = buildQuery([
      ['platform', key.platform],
      ['timeout', waitMs],
    ]);
    const { caller, ...options } = call;
    const slot = await this.#opts.invokeSlots?.acquire({ caller, deadline: call.deadline, signal: call.signal });
    let res: Exchange;
    try {
      res = await this.send('POST', `${actionPath(key)}${query}`, {
        ...options,
        route: 'POST /packages/{pkg}/actions/{action}',
        body: params,
        headersTimeoutMs: (waitMs ?? DEFAULT_INVOKE_WAIT_MS) + INVOKE_HEADERS_MARGIN_MS,
      });
    } finally {
      slot?.release();
    }
    // A run adds an activation: lists of this action's (and all) activations are stale now (for the whole
    // fleet before the invoke answers, so a read anywhere after it sees the new activation).
    await this.#invalidate([`${actionPath(key)}/activations`, '/activations']);
    if (res.status === 200 || res.status === 202 || res.status === 502) {
      // NCP wraps bodies in {content}; OpenWhisk sends the record bare. Accept both.
      const content = envelopeContent(res.body) ?? res.body;
      const headerId = firstHeader(res.headers['x-openwhisk-activation-id']);
      if (isRecord(content) && isObject(content.response)) {
        return { completed: true, activationId: content.activationId, record: this.#withoutOwnKey(content) };
      }
      if (res.status !== 502) {
        const id = isObject(content) && typeof content.activationId === 'string' ? content.activationId : headerId;
        if (id) return { completed: false, activationId: id };
      }
    }
    if (res.status >= 200 && res.status < 300) throw badResponse();
    throw this.#error(res, key);
  }

  /** The GatewayError of an error answer about `target` (named in not-found and platform messages). */
  #error(res: Exchange, target: NcpTarget): GatewayError {
    return ncpError(res.status, res.body, {
      retryAfterSeconds: parseRetryAfter(res.headers['retry-after']),
      redact: [this.#opts.signer.accessKey],
      target,
    });
  }

  async #get(route: string, path: string, target: NcpTarget, call: FunctionsCall): Promise<unknown> {
    const content = await this.#getOrNull(route, path, target, call);
    if (content === null) throw ncpError(404, undefined, { target });
    return content;
  }

  async #getOrNull(
    route: string,
    path: string,
    target: NcpTarget,
    call: FunctionsCall,
    extraQuery: QueryParams = [],
  ): Promise<unknown> {
    const res = await this.send('GET', `${path}${buildQuery([['platform', target.platform], ...extraQuery])}`, {
      ...call,
      route,
    });
    if (res.status === 404) return null;
    if (res.status >= 200 && res.status < 300) {
      const content = envelopeContent(res.body);
      if (content === undefined) throw badResponse();
      return content;
    }
    throw this.#error(res, target);
  }

  /**
   * One signed exchange. `pathAndQuery` is relative to the base path and already encoded; the
   * string signed is the string sent.
   */
  protected send(
    method: 'GET' | 'POST' | 'PUT' | 'DELETE',
    pathAndQuery: string,
    options: SendOptions,
  ): Promise<Exchange> {
    const { dispatcher, signer, observer, basePath, origin, guard, shared } = this.#opts;
    const path = `${basePath}${pathAndQuery}`;
    // Written once, before the breaker: a body that cannot be written is not the upstream failing.
    const json = options.body !== undefined ? serializeBody(options.body) : undefined;
    const run = (signal: AbortSignal | undefined) => {
      const attempt = (traceparent?: string) =>
        exchange(
          dispatcher,
          {
            origin,
            path,
            method,
            // Signed per attempt: a retry carries a fresh timestamp.
            headers: signer.sign(method, path),
            ...(json !== undefined ? { json } : {}),
            ...(signal ? { signal } : {}),
            ...(options.headersTimeoutMs !== undefined ? { headersTimeoutMs: options.headersTimeoutMs } : {}),
            ...(options.trace ? { trace: options.trace } : {}),
            ...(traceparent !== undefined ? { traceparent } : {}),
          },
          { service: 'cloudfunctions', route: options.route, isUpstreamFailure, ...(observer ? { observer } : {}) },
        );
      return guard.run(attempt, {
        // A PUT upserts the whole resource: sending it again leaves the same state.
        idempotent: method === 'GET' || method === 'PUT',
        isTransient: isTransientAnswer,
        isFailure: isUpstreamFailure,
        ...(signal ? { signal } : {}),
        ...(options.deadline !== undefined ? { deadline: options.deadline } : {}),
        // For the attempt's span (traced only): what it is, and whom it serves.
        route: options.route,
        method,
        trace: options.trace,
        parent: options.parent,
      });
    };
    const reads = method === 'GET' ? options.reads : undefined;
    reads?.read(`cloudfunctions ${path}`);
    const answer =
      method !== 'GET' || !shared?.enabled || options.fresh
        ? run(options.signal)
        : shared.read('cloudfunctions', this.#sharedKey(path), options.signal, run);
    return reads ? noteRead(answer, reads) : answer;
  }

  /**
   * A record as clients may see it. Its `subject` names who ran it (a user of the namespace); an
   * upstream that put the gateway's own access key there would hand out half of its credential.
   */
  #withoutOwnKey(record: ActivationRecord): ActivationRecord {
    return record.subject === this.#opts.signer.accessKey ? { ...record, subject: null } : record;
  }

  /** Shared-read key: the service, the credential the gateway signs with, and the exact path. */
  #sharedKey(pathWithQuery: string): string {
    return `cloudfunctions ${this.#opts.signer.accessKey} GET ${pathWithQuery}`;
  }

  /** Writes an activation-list time bound the way the configured generation expects it. */
  #formatTime(epochMs: number): string {
    if (this.generation === 'v2.1') return String(Math.trunc(epochMs));
    // v2.0: `yyyy-MM-ddTHH:mm:ss` in the region's local time.
    const local = new Date(epochMs + this.#opts.utcOffsetHours * 3_600_000);
    return local.toISOString().slice(0, 19);
  }
}

/**
 * NCP's gateway answers 400 with errorCode 80031 when it is briefly unavailable
 * (docs/upstream/cloud-functions.md#the-transient-80031-answer).
 */
function isTransientAnswer(res: Exchange): boolean {
  return res.status === 400 && readNcpError(res.body).errorCode === '80031';
}

/** A 5xx is the upstream failing, except an invoke's 502 carrying the run record (the action failed). */
function isUpstreamFailure(res: Exchange): boolean {
  if (res.status < 500) return false;
  if (res.status !== 502) return true;
  const content = envelopeContent(res.body) ?? res.body;
  return !(isRecord(content) && isObject(content.response));
}

function actionPath(key: ActionKey): string {
  return `/packages/${segment(key.package)}/actions/${segment(key.action)}`;
}

function triggerPath(key: TriggerKey): string {
  return `/triggers/${segment(key.trigger)}`;
}

/** What a write to an action touches: its package's detail (it lists the actions), action list, and its own detail. */
function actionPrefixes(key: ActionKey): string[] {
  const p = segment(key.package);
  return [`/packages/${p}?`, `/packages/${p}/actions?`, `/packages/${p}/actions/${segment(key.action)}?`];
}

function envelopeContent(body: unknown): unknown {
  if (isObject(body) && 'content' in body) return body.content;
  return undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isRecord(value: unknown): value is ActivationRecord {
  return isObject(value) && typeof value.activationId === 'string';
}

function hasName(value: unknown): value is { name: string } {
  return isObject(value) && typeof value.name === 'string';
}

function arrayField(value: unknown, field: string): unknown[] | undefined {
  if (!isObject(value)) return undefined;
  const inner = value[field];
  return Array.isArray(inner) ? inner : undefined;
}

function firstHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function badResponse(): GatewayError {
  return upstreamFailure('badResponse', 'cloudfunctions');
}
