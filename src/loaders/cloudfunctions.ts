/**
 * Loaders for Cloud Functions reads, keyed by everything that changes the answer: the platform,
 * the package, the action, the trigger, the activation id, and for lists their paging and time window.
 *
 * `triggerIndex` answers `Action.triggers`: NCP has no reverse lookup (docs/upstream/triggers.md#links),
 * so it reads the platform's trigger list and each trigger's detail once per operation (through
 * `triggers` and `trigger`, so a `Query.trigger` of the same operation shares them), however many
 * actions ask.
 */
import DataLoader from 'dataloader';
import type { CallOptions, CloudFunctionsClient } from '../upstream/cloudfunctions/client';
import { linkedActionRefs } from '../upstream/cloudfunctions/triggers';
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
  TriggerDetail,
  TriggerKey,
  TriggerSource,
  TriggerSummary,
} from '../upstream/cloudfunctions/types';
import { createLoader, type LoaderEnv } from './batch';

export interface ActivationListKey {
  action: ActionKey;
  query: ActivationQuery;
}

export interface TriggerActivationListKey {
  trigger: TriggerKey;
  query: ActivationQuery;
}

export interface NamespaceActivationListKey {
  platform: Platform;
  query: ActivationQuery;
}

/** The triggers linked to each action of a platform, by `package/action` (`-/action` for one in no package). */
export type TriggerIndex = Map<string, TriggerSource[]>;

export interface FunctionsLoaders {
  packages: DataLoader<Platform, PackageSummary[], string>;
  package: DataLoader<PackageKey, PackageDetail | null, string>;
  actions: DataLoader<PackageKey, ActionSummary[] | null, string>;
  action: DataLoader<ActionKey, ActionDetail | null, string>;
  activations: DataLoader<ActivationListKey, ActivationList | null, string>;
  activation: DataLoader<ActivationKey, ActivationRecord | null, string>;
  namespaceActivations: DataLoader<NamespaceActivationListKey, ActivationList, string>;
  triggers: DataLoader<Platform, TriggerSummary[], string>;
  trigger: DataLoader<TriggerKey, TriggerDetail | null, string>;
  triggerActivations: DataLoader<TriggerActivationListKey, ActivationList | null, string>;
  triggerActivation: DataLoader<TriggerKey & { id: string }, ActivationRecord | null, string>;
  triggerIndex: DataLoader<Platform, TriggerIndex, string>;
}

const packageKey = (k: PackageKey) => JSON.stringify([k.platform, k.package]);
const actionKey = (k: ActionKey) => JSON.stringify([k.platform, k.package, k.action]);
const triggerKey = (k: TriggerKey) => JSON.stringify([k.platform, k.trigger]);
const queryKey = (q: ActivationQuery) => [q.pageNo, q.pageSize, q.since ?? null, q.until ?? null];

export function createFunctionsLoaders(
  client: CloudFunctionsClient,
  env: LoaderEnv,
  call: CallOptions,
): FunctionsLoaders {
  const reads = {
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
      (k) => JSON.stringify([k.action.platform, k.action.package, k.action.action, ...queryKey(k.query)]),
    ),
    activation: createLoader(
      'functions.activation',
      env,
      (k: ActivationKey) => client.getActivation(k, call),
      (k) => JSON.stringify([k.platform, k.package, k.action, k.id]),
    ),
    namespaceActivations: createLoader(
      'functions.namespaceActivations',
      env,
      (k: NamespaceActivationListKey) => client.listNamespaceActivations(k.platform, k.query, call),
      (k) => JSON.stringify([k.platform, ...queryKey(k.query)]),
    ),
    triggers: createLoader(
      'functions.triggers',
      env,
      (platform: Platform) => client.listTriggers(platform, call),
      (p) => p,
    ),
    trigger: createLoader('functions.trigger', env, (k: TriggerKey) => client.getTrigger(k, call), triggerKey),
    triggerActivations: createLoader(
      'functions.triggerActivations',
      env,
      (k: TriggerActivationListKey) => client.listTriggerActivations(k.trigger, k.query, call),
      (k) => JSON.stringify([k.trigger.platform, k.trigger.trigger, ...queryKey(k.query)]),
    ),
    triggerActivation: createLoader(
      'functions.triggerActivation',
      env,
      (k: TriggerKey & { id: string }) => client.getTriggerActivation(k, call),
      (k) => JSON.stringify([k.platform, k.trigger, k.id]),
    ),
  };
  return { ...reads, triggerIndex: createTriggerIndexLoader(reads, env) };
}

/**
 * The index is made of other loads and makes no call of its own, so it does not take a slot of the
 * operation's concurrency cap (waiting in one for loads that need one could stall a small cap).
 */
function createTriggerIndexLoader(
  reads: Pick<FunctionsLoaders, 'triggers' | 'trigger'>,
  env: LoaderEnv,
): DataLoader<Platform, TriggerIndex, string> {
  const build = async (platform: Platform): Promise<TriggerIndex> => {
    const list = await reads.triggers.load(platform);
    const details = await Promise.all(list.map((t) => reads.trigger.load({ platform, trigger: t.name })));
    const index: TriggerIndex = new Map();
    details.forEach((detail, i) => {
      const summary = list[i]!;
      // Deleted between the list and its detail: not a trigger of anything any more.
      if (!detail) return;
      const source: TriggerSource = { platform, trigger: summary.name, summary, detail };
      for (const ref of linkedActionRefs(detail.actions)) {
        index.set(ref, [...(index.get(ref) ?? []), source]);
      }
    });
    return index;
  };
  return new DataLoader<Platform, TriggerIndex, string>(
    (platforms) => {
      env.onBatch?.('functions.triggerIndex', platforms.length);
      return Promise.all(
        platforms.map((p) => build(p).catch((e: unknown) => (e instanceof Error ? e : new Error(String(e))))),
      );
    },
    { cacheKeyFn: (p) => p },
  );
}
