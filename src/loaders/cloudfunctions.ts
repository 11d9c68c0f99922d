/**
 * Loaders for Cloud Functions reads, keyed by everything that changes the answer: the platform,
 * the package, the action, the activation id, and for lists their paging and time window.
 */
import type DataLoader from 'dataloader';
import type { CallOptions, CloudFunctionsClient } from '../upstream/cloudfunctions/client';
import type {
  ActionDetail,
  ActionKey,
  ActionSummary,
  ActivationKey,
  ActivationList,
  ActivationQuery,
  ActivationRecord,
  PackageDetail,
  PackageKey,
  PackageSummary,
  Platform,
} from '../upstream/cloudfunctions/types';
import { createLoader, type LoaderEnv } from './batch';

export interface ActivationListKey {
  action: ActionKey;
  query: ActivationQuery;
}

export interface FunctionsLoaders {
  packages: DataLoader<Platform, PackageSummary[], string>;
  package: DataLoader<PackageKey, PackageDetail | null, string>;
  actions: DataLoader<PackageKey, ActionSummary[] | null, string>;
  action: DataLoader<ActionKey, ActionDetail | null, string>;
  activations: DataLoader<ActivationListKey, ActivationList | null, string>;
  activation: DataLoader<ActivationKey, ActivationRecord | null, string>;
}

const packageKey = (k: PackageKey) => JSON.stringify([k.platform, k.package]);
const actionKey = (k: ActionKey) => JSON.stringify([k.platform, k.package, k.action]);

export function createFunctionsLoaders(
  client: CloudFunctionsClient,
  env: LoaderEnv,
  call: CallOptions,
): FunctionsLoaders {
  return {
    packages: createLoader(
      'functions.packages',
      env,
      (platform: Platform) => client.listPackages(platform, call),
      (p) => p,
    ),
    package: createLoader('functions.package', env, (k: PackageKey) => client.getPackage(k, call), packageKey),
    actions: createLoader('functions.actions', env, (k: PackageKey) => client.listActions(k, call), packageKey),
    action: createLoader('functions.action', env, (k: ActionKey) => client.getAction(k, call), actionKey),
    activations: createLoader(
      'functions.activations',
      env,
      (k: ActivationListKey) => client.listActivations(k.action, k.query, call),
      (k) =>
        JSON.stringify([
          k.action.platform,
          k.action.package,
          k.action.action,
          k.query.pageNo,
          k.query.pageSize,
          k.query.since ?? null,
          k.query.until ?? null,
        ]),
    ),
    activation: createLoader(
      'functions.activation',
      env,
      (k: ActivationKey) => client.getActivation(k, call),
      (k) => JSON.stringify([k.platform, k.package, k.action, k.id]),
    ),
  };
}
