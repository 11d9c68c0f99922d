// Nova under /compute/v2.1: the version document and os-instance-actions (list and show), modelled on Nova's
// instance-actions API (docs/upstream/compute.md#instance-actions-endpoints, #list-query-and-answer,
// #show-answer). Processing order follows Nova's WSGI pipeline: keystonemiddleware (401) -> routing
// (404/405) -> microversion (400/406) -> query schema (400) -> instance lookup (404) -> policy (403) -> the
// rest. Version headers go on every answer after the microversion is known, as Nova's Resource adds them;
// 401 and version errors have none.
import { createHash } from 'node:crypto';
import { badMethod, badRequest, forbidden, notFound, NovaFault, unauthorized } from './faults';
import { header, type EmulatorRequest, type Reply } from './http-types';
import { compareMicroversions, formatMicroversion, negotiateMicroversion, type Microversion } from './microversion';
import {
  actionMessage,
  actionUpdatedAt,
  type ActionEvent,
  type ComputeServer,
  type ComputeStore,
  type InstanceAction,
} from './store';
import { novaTime, parseIsoTime } from './time';
import { isAdmin, type IssuedToken, type TokenStore } from './tokens';

export const COMPUTE_PREFIX = '/compute/v2.1';
/** Nova's [api]max_limit default. */
export const MAX_LIMIT = 1000;

export interface NovaDeps {
  store: ComputeStore;
  tokens: TokenStore;
  authUrl: string;
  computeUrl: string;
  min: Microversion;
  max: Microversion;
}

type Json = Record<string, unknown>;

const at = (major: number, minor: number): Microversion => ({ major, minor });
const V2_21 = at(2, 21); // deleted servers readable
const V2_51 = at(2, 51); // events for non-admin owners
const V2_58 = at(2, 58); // paging, changes-since, updated_at, links
const V2_62 = at(2, 62); // host, hostId
const V2_66 = at(2, 66); // changes-before
const V2_84 = at(2, 84); // details
const V2_102 = at(2, 102); // show rejects query parameters
const atLeast = (v: Microversion, floor: Microversion): boolean => compareMicroversions(v, floor) >= 0;

/** jsonschema's additionalProperties wording, as Nova passes it through. */
function additionalProperties(extra: string[]): NovaFault {
  const names = extra.map((k) => `'${k}'`).join(', ');
  return badRequest(
    `Additional properties are not allowed (${names} ${extra.length === 1 ? 'was' : 'were'} unexpected)`,
  );
}

const invalidQuery = (name: string, value: string, problem: string): NovaFault =>
  badRequest(`Invalid input for query parameters ${name}. Value: ${value}. ${problem}`);

interface ListQuery {
  limit?: string;
  marker?: string;
  since?: number;
  before?: number;
}

/** The list query schema of 2.58 (and 2.66, which adds changes-before): additionalProperties false, single values. */
function validateListQuery(query: URLSearchParams, version: Microversion): ListQuery {
  const allowed = ['limit', 'marker', 'changes-since', ...(atLeast(version, V2_66) ? ['changes-before'] : [])];
  const keys = [...new Set(query.keys())];
  const extra = keys.filter((k) => !allowed.includes(k));
  if (extra.length > 0) throw additionalProperties(extra);
  const single = (name: string): string | undefined => {
    const values = query.getAll(name);
    if (values.length > 1) {
      const list = `[${values.map((v) => `'${v}'`).join(', ')}]`;
      throw invalidQuery(name, list, `${list} is too long`);
    }
    return values[0];
  };
  const time = (name: string): number | undefined => {
    const v = single(name);
    if (v === undefined) return undefined;
    const us = parseIsoTime(v);
    if (us === undefined) throw invalidQuery(name, v, `'${v}' is not a 'date-time'`);
    return us;
  };
  const limit = single('limit');
  if (limit !== undefined) {
    if (limit === '') throw invalidQuery('limit', limit, "'' is too short");
    if (!/^[0-9]*$/.test(limit)) throw invalidQuery('limit', limit, `'${limit}' does not match '^[0-9]*$'`);
  }
  return { limit, marker: single('marker'), since: time('changes-since'), before: time('changes-before') };
}

/** Python's urlencode (quote_plus): only letters, digits and _.-~ stay as they are; space becomes '+'. */
const quotePlus = (s: string): string =>
  encodeURIComponent(s)
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%20/g, '+');

/** Nova's obfuscated host id (nova.utils.generate_hostid): sha224 of project id + host, or '' without a host. */
export const hostIdFor = (host: string | null, projectId: string): string =>
  host
    ? createHash('sha224')
        .update(projectId + host)
        .digest('hex')
    : '';

function decodeSegment(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

interface Route {
  kind: 'server' | 'list' | 'show';
  projectId?: string;
  serverId: string;
  requestId?: string;
}

function route(rest: string): Route | undefined {
  let segments = rest.split('/').map(decodeSegment);
  let projectId: string | undefined;
  // Older catalogs publish .../v2.1/{project_id}; Nova routes both forms.
  if (segments[0] && segments[0] !== 'servers' && segments[1] === 'servers') {
    projectId = segments[0];
    segments = segments.slice(1);
  }
  const [servers, serverId, collection, requestId, ...more] = segments;
  if (servers === 'servers' && serverId && collection === undefined) return { kind: 'server', projectId, serverId };
  if (servers !== 'servers' || !serverId || collection !== 'os-instance-actions' || more.length > 0) return undefined;
  if (requestId === undefined) return { kind: 'list', projectId, serverId };
  return requestId === '' ? undefined : { kind: 'show', projectId, serverId, requestId };
}

export class Nova {
  constructor(private readonly deps: NovaDeps) {}

  handle(req: EmulatorRequest): Reply {
    const { path } = req;
    if (path !== COMPUTE_PREFIX && !path.startsWith(`${COMPUTE_PREFIX}/`)) throw notFound();
    const rest = path.slice(COMPUTE_PREFIX.length + 1);
    // The version document is served without authentication (nova's oscomputeversion_v2 app).
    if (rest === '') {
      if (req.method !== 'GET' && req.method !== 'HEAD') throw badMethod(req.method, 'GET, HEAD');
      return { status: 200, body: this.versionDocument() };
    }

    const token = this.deps.tokens.validate(header(req.headers, 'x-auth-token'));
    if (token === undefined) throw unauthorized({ 'www-authenticate': `Keystone uri="${this.deps.authUrl}"` });

    const r = route(rest);
    if (r === undefined) throw notFound();
    if (req.method !== 'GET') throw badMethod(req.method, 'GET');

    const version = negotiateMicroversion(req.headers, this.deps.min, this.deps.max);
    const text = formatMicroversion(version);
    const versionHeaders = {
      'openstack-api-version': `compute ${text}`,
      'x-openstack-nova-api-version': text,
      vary: 'OpenStack-API-Version, X-OpenStack-Nova-API-Version',
    };
    try {
      if (r.projectId !== undefined && r.projectId !== token.project.id) {
        throw badRequest(
          `Malformed request URL: URL's project_id '${r.projectId}' ` +
            `doesn't match Context's project_id '${token.project.id}'`,
        );
      }
      const body =
        r.kind === 'server'
          ? this.showServer(r, token)
          : r.kind === 'list'
            ? this.list(req, r, version, token)
            : this.show(req, r, version, token);
      return { status: 200, headers: versionHeaders, body, microversion: text };
    } catch (err) {
      if (!(err instanceof NovaFault)) throw err;
      return {
        status: err.status,
        headers: { ...err.headers, ...versionHeaders },
        body: err.body(),
        microversion: text,
      };
    }
  }

  private versionDocument(): Json {
    return {
      version: {
        id: 'v2.1',
        status: 'CURRENT',
        version: formatMicroversion(this.deps.max),
        min_version: formatMicroversion(this.deps.min),
        updated: '2013-07-23T11:33:21Z',
        links: [
          { rel: 'self', href: `${this.deps.computeUrl}/` },
          { rel: 'describedby', type: 'text/html', href: 'http://docs.openstack.org/' },
        ],
        'media-types': [{ base: 'application/json', type: 'application/vnd.openstack.compute+json;version=2.1' }],
      },
    };
  }

  /** Non-admins see only their project's servers (others are 404); deleted ones only from 2.21. */
  private server(id: string, version: Microversion, token: IssuedToken, operation: 'list' | 'show'): ComputeServer {
    const server = this.deps.store.getServer(id);
    if (
      server === undefined ||
      (server.deleted && !atLeast(version, V2_21)) ||
      (!isAdmin(token) && server.projectId !== token.project.id)
    ) {
      throw notFound(`Instance ${id} could not be found.`);
    }
    if (server.locked) throw forbidden(`os_compute_api:os-instance-actions:${operation}`);
    return server;
  }

  /** GET /servers/{id}, a few of its fields: deleted servers are 404 here at any microversion. */
  private showServer(r: Route, token: IssuedToken): Json {
    const server = this.deps.store.getServer(r.serverId);
    if (server === undefined || server.deleted || (!isAdmin(token) && server.projectId !== token.project.id)) {
      throw notFound(`Instance ${r.serverId} could not be found.`);
    }
    return {
      server: {
        id: server.id,
        name: server.name,
        status: server.status,
        tenant_id: server.projectId,
        user_id: server.userId,
      },
    };
  }

  private list(req: EmulatorRequest, r: Route, version: Microversion, token: IssuedToken): Json {
    // Before 2.58 the query string is ignored altogether and every action is listed.
    if (!atLeast(version, V2_58)) {
      const server = this.server(r.serverId, version, token, 'list');
      return { instanceActions: this.deps.store.listActions(server.id).map((a) => formatAction(a, false)) };
    }
    const q = validateListQuery(req.query, version);
    const server = this.server(r.serverId, version, token, 'list');
    if (q.since !== undefined && q.before !== undefined && q.before < q.since) {
      throw badRequest('The value of changes-since must be less than or equal to changes-before.');
    }
    let actions = this.deps.store.listActions(server.id);
    if (q.marker !== undefined) {
      const index = actions.findIndex((a) => a.requestId === q.marker);
      if (index < 0) throw badRequest(`Marker ${q.marker} could not be found.`);
      actions = actions.slice(index + 1);
    }
    const inWindow = (a: InstanceAction): boolean => {
      const updated = actionUpdatedAt(a);
      if (q.since === undefined && q.before === undefined) return true;
      // SQL semantics: a NULL updated_at matches no comparison.
      return (
        updated !== null &&
        (q.since === undefined || updated >= q.since) &&
        (q.before === undefined || updated <= q.before)
      );
    };
    const limit = Math.min(q.limit === undefined ? MAX_LIMIT : Number(q.limit), MAX_LIMIT);
    const page = actions.filter(inWindow).slice(0, limit);
    const body: Json = { instanceActions: page.map((a) => formatAction(a, true)) };
    // Like Nova's _get_collection_links: a next link whenever the page is full, even if nothing follows it.
    const last = page[page.length - 1];
    if (limit > 0 && page.length === limit && last !== undefined) {
      body.links = [{ rel: 'next', href: this.nextLink(req, r, last.requestId) }];
    }
    return body;
  }

  /** Nova's _get_next_link: the request's own parameters, sorted, with marker set to the last item. */
  private nextLink(req: EmulatorRequest, r: Route, marker: string): string {
    const params = new Map([...req.query.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    params.set('marker', marker);
    const qs = [...params].map(([k, v]) => `${quotePlus(k)}=${quotePlus(v)}`).join('&');
    const host = header(req.headers, 'host');
    const base = host === undefined ? this.deps.computeUrl : `http://${host}${COMPUTE_PREFIX}`;
    const project = r.projectId === undefined ? '' : `/${r.projectId}`;
    return `${base}${project}/servers/${r.serverId}/os-instance-actions?${qs}`;
  }

  private show(req: EmulatorRequest, r: Route, version: Microversion, token: IssuedToken): Json {
    if (atLeast(version, V2_102)) {
      const extra = [...new Set(req.query.keys())];
      if (extra.length > 0) throw additionalProperties(extra);
    }
    const server = this.server(r.serverId, version, token, 'show');
    const requestId = r.requestId!;
    const action = this.deps.store.getAction(server.id, requestId);
    if (action === undefined) throw notFound(`Action ${requestId} not found`);
    const item = formatAction(action, atLeast(version, V2_58));
    // Policy defaults: os-instance-actions:events and events:details are admin-only. Before 2.51 only those
    // who pass 'events' get the list at all; from 2.51 owners get it without traceback.
    const admin = isAdmin(token);
    if (admin || atLeast(version, V2_51)) {
      const show = {
        traceback: admin,
        host: admin && atLeast(version, V2_62),
        hostId: atLeast(version, V2_62),
        details: admin && atLeast(version, V2_84),
        projectId: action.projectId ?? server.projectId,
      };
      item.events = this.deps.store.listEvents(action).map((e) => formatEvent(e, show));
    }
    return { instanceAction: item };
  }
}

function formatAction(a: InstanceAction, withUpdatedAt: boolean): Json {
  const item: Json = {
    action: a.action,
    instance_uuid: a.instanceUuid,
    request_id: a.requestId,
    user_id: a.userId,
    project_id: a.projectId,
    start_time: novaTime(a.startTime),
    message: actionMessage(a),
  };
  if (withUpdatedAt) {
    const updated = actionUpdatedAt(a);
    item.updated_at = updated === null ? null : novaTime(updated);
  }
  return item;
}

function formatEvent(
  e: ActionEvent,
  show: { traceback: boolean; host: boolean; hostId: boolean; details: boolean; projectId: string },
): Json {
  const event: Json = {
    event: e.event,
    start_time: novaTime(e.startTime),
    finish_time: e.finishTime === null ? null : novaTime(e.finishTime),
    result: e.result,
  };
  if (show.traceback) event.traceback = e.traceback;
  if (show.host) event.host = e.host;
  if (show.hostId) event.hostId = hostIdFor(e.host, show.projectId);
  if (show.details) event.details = e.details;
  return event;
}
