/** Loaders for compute reads, keyed by the server, the request id, and a list's paging and window. */
import type DataLoader from 'dataloader';
import type { CallOptions, NovaClient } from '../upstream/compute/client';
import type {
  InstanceActionPage,
  InstanceActionQuery,
  NovaInstanceAction,
  NovaServer,
} from '../upstream/compute/types';
import { createLoader, type LoaderEnv } from './batch';

export interface InstanceActionListKey {
  serverId: string;
  query: InstanceActionQuery;
}

export interface InstanceActionKey {
  serverId: string;
  requestId: string;
}

export interface ComputeLoaders {
  server: DataLoader<string, NovaServer | null, string>;
  instanceActions: DataLoader<InstanceActionListKey, InstanceActionPage | null, string>;
  instanceAction: DataLoader<InstanceActionKey, NovaInstanceAction | null, string>;
}

export function createComputeLoaders(client: NovaClient, env: LoaderEnv, call: CallOptions): ComputeLoaders {
  return {
    server: createLoader(
      'compute.server',
      env,
      (id: string) => client.getServer(id, call),
      (id) => id,
    ),
    instanceActions: createLoader(
      'compute.instanceActions',
      env,
      (k: InstanceActionListKey) => client.listInstanceActions(k.serverId, k.query, call),
      (k) =>
        JSON.stringify([
          k.serverId,
          k.query.limit,
          k.query.marker ?? null,
          k.query.changesSince ?? null,
          k.query.changesBefore ?? null,
        ]),
    ),
    instanceAction: createLoader(
      'compute.instanceAction',
      env,
      (k: InstanceActionKey) => client.getInstanceAction(k.serverId, k.requestId, call),
      (k) => JSON.stringify([k.serverId, k.requestId]),
    ),
  };
}
