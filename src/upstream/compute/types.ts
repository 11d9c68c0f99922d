/**
 * REST shapes of Keystone v3 and Nova os-instance-actions (docs/upstream/compute.md#instance-actions-endpoints,
 * #keystone-tokens). Fields that later microversions add (updated_at 2.58, host/hostId 2.62, details 2.84)
 * or that policy hides (traceback, host; events before 2.51) are optional.
 */

export interface NovaInstanceActionEvent {
  event: string;
  start_time?: string | null;
  finish_time?: string | null;
  result?: string | null;
  traceback?: string | null;
  host?: string | null;
  hostId?: string | null;
  details?: string | null;
}

export interface NovaInstanceAction {
  action: string;
  request_id: string;
  instance_uuid?: string | null;
  message?: string | null;
  project_id?: string | null;
  user_id?: string | null;
  start_time?: string | null;
  updated_at?: string | null;
  events?: NovaInstanceActionEvent[] | null;
}

export interface NovaServer {
  id: string;
  name?: string | null;
  status?: string | null;
}

/** One page of a server's actions, most recent first. */
export interface InstanceActionPage {
  actions: NovaInstanceAction[];
  hasNextPage: boolean;
}

/** Paging and window of an action list, validated. Times in epoch ms. */
export interface InstanceActionQuery {
  limit: number;
  marker?: string;
  changesSince?: number;
  changesBefore?: number;
}

export interface KeystoneCatalogEndpoint {
  interface?: string;
  region?: string | null;
  region_id?: string | null;
  url?: string;
}

export interface KeystoneCatalogEntry {
  type?: string;
  endpoints?: KeystoneCatalogEndpoint[];
}

/*
 * What field resolvers receive (codegen mappers): the address plus what was read for it.
 */

export interface ServerSource {
  id: string;
}

export interface InstanceActionSource {
  serverId: string;
  requestId: string;
  summary?: NovaInstanceAction;
  detail?: NovaInstanceAction;
}

export interface InstanceActionConnectionSource {
  serverId: string;
  query: InstanceActionQuery;
  page: InstanceActionPage;
}
