// The compute side's in-memory state: servers, their instance actions, and each action's events. The HTTP
// layer only reads it; tests and the seed write it through these methods. Times are kept in epoch
// microseconds (see time.ts). Two action fields are derived, as Nova's database derives them:
// - `message` becomes 'Error' once an event finishes with result Error (db action_event_finish);
// - `updated_at` is the latest event start or finish time (db action_event_start/finish), and null for an
//   action that never had an event (e.g. 'lock').
// Either can be pinned with an explicit value on addAction.
import { randomUUID } from 'node:crypto';
import { newRequestId } from './ids';
import { toMicros, type TimeInput } from './time';

export interface ServerInput {
  /** Default: a random UUID. */
  id?: string;
  name?: string;
  projectId: string;
  userId?: string | null;
  /** Compute host the server runs on; events default to it (their `host`, and `hostId` at 2.62+). */
  host?: string | null;
  /** Every list/show on it answers 403 (a stand-in for a policy that denies the caller). */
  locked?: boolean;
  /** Soft-deleted: visible only from microversion 2.21. */
  deleted?: boolean;
  /** Nova vm status, e.g. ACTIVE, SHUTOFF, ERROR (default ACTIVE). */
  status?: string;
}

export interface ComputeServer {
  readonly id: string;
  name: string;
  readonly projectId: string;
  readonly userId: string | null;
  host: string | null;
  locked: boolean;
  deleted: boolean;
  status: string;
}

export interface ActionEventInput {
  event: string;
  startTime: TimeInput;
  /** null (default) while the event is running. */
  finishTime?: TimeInput | null;
  /** 'Success', 'Error', or null (default) while running. */
  result?: string | null;
  traceback?: string | null;
  /** Default: the server's host. */
  host?: string | null;
  /** The fault message shown from 2.84. */
  details?: string | null;
}

export interface ActionEvent {
  readonly event: string;
  readonly startTime: number;
  finishTime: number | null;
  result: string | null;
  traceback: string | null;
  readonly host: string | null;
  details: string | null;
  readonly seq: number;
}

export interface InstanceActionInput {
  action: string;
  /** Default: a fresh `req-<uuid>`. Unique per server. */
  requestId?: string;
  startTime: TimeInput;
  /** Pins updated_at instead of deriving it from the events. */
  updatedAt?: TimeInput | null;
  /** Pins message instead of deriving it from the events. */
  message?: string | null;
  /** Default: the server's project / user. */
  projectId?: string | null;
  userId?: string | null;
  events?: ActionEventInput[];
}

export interface InstanceAction {
  readonly action: string;
  readonly requestId: string;
  readonly instanceUuid: string;
  readonly projectId: string | null;
  readonly userId: string | null;
  readonly startTime: number;
  readonly messageOverride: string | null | undefined;
  readonly updatedAtOverride: number | null | undefined;
  readonly events: ActionEvent[];
  readonly seq: number;
}

export function actionMessage(a: InstanceAction): string | null {
  if (a.messageOverride !== undefined) return a.messageOverride;
  return a.events.some((e) => e.result?.toLowerCase() === 'error') ? 'Error' : null;
}

export function actionUpdatedAt(a: InstanceAction): number | null {
  if (a.updatedAtOverride !== undefined) return a.updatedAtOverride;
  let latest: number | null = null;
  for (const e of a.events) {
    for (const t of [e.startTime, e.finishTime]) if (t !== null && (latest === null || t > latest)) latest = t;
  }
  return latest;
}

/** Nova's order for both actions and events: newest first (created_at desc, then id desc). */
const newestFirst = (a: { startTime: number; seq: number }, b: { startTime: number; seq: number }): number =>
  b.startTime - a.startTime || b.seq - a.seq;

export class ComputeStore {
  private readonly serverMap = new Map<string, ComputeServer>();
  private readonly actionsByServer = new Map<string, InstanceAction[]>();
  private seq = 0;

  addServer(input: ServerInput): ComputeServer {
    const id = input.id ?? randomUUID();
    if (this.serverMap.has(id)) throw new Error(`server ${id} already exists`);
    const server: ComputeServer = {
      id,
      name: input.name ?? `server-${id.slice(0, 8)}`,
      projectId: input.projectId,
      userId: input.userId ?? null,
      host: input.host === undefined ? 'compute-01' : input.host,
      locked: input.locked ?? false,
      deleted: input.deleted ?? false,
      status: input.status ?? (input.deleted ? 'DELETED' : 'ACTIVE'),
    };
    this.serverMap.set(id, server);
    this.actionsByServer.set(id, []);
    return server;
  }

  getServer(id: string): ComputeServer | undefined {
    return this.serverMap.get(id);
  }

  servers(): ComputeServer[] {
    return [...this.serverMap.values()];
  }

  /** Changes name, host, locked or deleted in place. */
  updateServer(id: string, patch: Partial<Pick<ComputeServer, 'name' | 'host' | 'locked' | 'deleted'>>): ComputeServer {
    const server = this.mustGetServer(id);
    Object.assign(server, patch);
    return server;
  }

  /** Forgets the server and its actions (unlike `deleted`, which Nova keeps readable from 2.21). */
  removeServer(id: string): boolean {
    this.actionsByServer.delete(id);
    return this.serverMap.delete(id);
  }

  addAction(serverId: string, input: InstanceActionInput): InstanceAction {
    const server = this.mustGetServer(serverId);
    const list = this.actionsByServer.get(serverId)!;
    const requestId = input.requestId ?? newRequestId();
    if (list.some((a) => a.requestId === requestId))
      throw new Error(`action ${requestId} already exists on ${serverId}`);
    const action: InstanceAction = {
      action: input.action,
      requestId,
      instanceUuid: serverId,
      projectId: input.projectId === undefined ? server.projectId : input.projectId,
      userId: input.userId === undefined ? server.userId : input.userId,
      startTime: toMicros(input.startTime),
      messageOverride: input.message,
      updatedAtOverride:
        input.updatedAt === undefined || input.updatedAt === null ? input.updatedAt : toMicros(input.updatedAt),
      events: [],
      seq: ++this.seq,
    };
    list.push(action);
    for (const e of input.events ?? []) this.addEvent(serverId, requestId, e);
    return action;
  }

  addEvent(serverId: string, requestId: string, input: ActionEventInput): ActionEvent {
    const server = this.mustGetServer(serverId);
    const action = this.mustGetAction(serverId, requestId);
    const event: ActionEvent = {
      event: input.event,
      startTime: toMicros(input.startTime),
      finishTime: input.finishTime === undefined || input.finishTime === null ? null : toMicros(input.finishTime),
      result: input.result ?? null,
      traceback: input.traceback ?? null,
      host: input.host === undefined ? server.host : input.host,
      details: input.details ?? null,
      seq: ++this.seq,
    };
    action.events.push(event);
    return event;
  }

  /** Finishes the newest running event of that name, as nova-compute does when the work completes. */
  finishEvent(
    serverId: string,
    requestId: string,
    eventName: string,
    outcome: { finishTime: TimeInput; result: string; traceback?: string | null; details?: string | null },
  ): ActionEvent {
    const action = this.mustGetAction(serverId, requestId);
    const event = [...action.events].sort(newestFirst).find((e) => e.event === eventName && e.finishTime === null);
    if (!event) throw new Error(`no running event ${eventName} on ${requestId}`);
    event.finishTime = toMicros(outcome.finishTime);
    event.result = outcome.result;
    if (outcome.traceback !== undefined) event.traceback = outcome.traceback;
    if (outcome.details !== undefined) event.details = outcome.details;
    return event;
  }

  getAction(serverId: string, requestId: string): InstanceAction | undefined {
    return this.actionsByServer.get(serverId)?.find((a) => a.requestId === requestId);
  }

  /** The server's actions, newest first (a new array). */
  listActions(serverId: string): InstanceAction[] {
    return [...(this.actionsByServer.get(serverId) ?? [])].sort(newestFirst);
  }

  /** The action's events, newest first (a new array). */
  listEvents(action: InstanceAction): ActionEvent[] {
    return [...action.events].sort(newestFirst);
  }

  /** Removes every server and action. */
  clear(): void {
    this.serverMap.clear();
    this.actionsByServer.clear();
  }

  private mustGetServer(id: string): ComputeServer {
    const server = this.serverMap.get(id);
    if (!server) throw new Error(`no server ${id}`);
    return server;
  }

  private mustGetAction(serverId: string, requestId: string): InstanceAction {
    const action = this.getAction(serverId, requestId);
    if (!action) throw new Error(`no action ${requestId} on server ${serverId}`);
    return action;
  }
}
