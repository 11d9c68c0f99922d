// The emulator's in-memory state. The HTTP layer validates requests and then calls these methods; tests
// call them directly to arrange data or to look behind the API (runsStarted, raw records). The store keeps
// its own invariants whoever calls it: deleting an action unlinks it from every trigger and takes it out of
// every sequence (a sequence left with no component goes too), and deleting a trigger drops its links.
import { createHash } from 'node:crypto';
import { oneMonthBefore } from './time';
import type {
  ActionEntity,
  ActionRef,
  ActionType,
  ActivationRecord,
  JsonObject,
  PackageEntity,
  Platform,
  RunOrigin,
  StoredActivation,
  TriggerEntity,
  VpcLink,
} from './types';

export const NAMESPACE = 'ncf-emulator';
/** Bounds memory in long benchmark runs; far above what a month of demo or test traffic produces. */
export const MAX_ACTIVATIONS = 100_000;
export const NO_PACKAGE = '-';

export interface PackageInput {
  name: string;
  platform?: Platform; // default 'vpc'
  description?: string;
  parameters?: JsonObject;
}

export interface ActionInput {
  /** '-' (default) for an action in no package. */
  packageName?: string;
  name: string;
  /** Defaults to the package's platform, or 'vpc' for an action in no package. */
  platform?: Platform;
  type?: ActionType;
  description?: string;
  parameters?: JsonObject;
  limits?: { timeout?: number; memory?: number };
  exec: { kind?: string; code: string; main?: string; binary?: boolean; imageUri?: string; components?: string[] };
  vpc?: VpcLink[];
  rawHttp?: boolean;
  customOptions?: boolean;
}

/** A trigger as the store takes it; absent description and parameters keep the existing ones (upsert). */
export type TriggerInput = Omit<TriggerEntity, 'platform' | 'description' | 'parameters' | 'resourceId' | 'actions'> & {
  platform?: Platform; // default 'vpc'
  description?: string;
  parameters?: JsonObject;
};

/** The documented VPC/NAT failures of delete action (docs/upstream/triggers.md#vpc-errors). */
export type VpcFault = '81311' | '81312' | '81313' | '81314';

export interface ActivationFilter {
  platform?: Platform;
  /** Only action runs, or only trigger activations; both when absent. */
  kind?: 'action' | 'trigger';
  triggerName?: string;
  packageName?: string;
  actionName?: string;
  /** Inclusive bounds on the record's start (epoch ms). */
  since?: number;
  upto?: number;
}

/** Stable across restarts, so demo links and logs keep pointing at the same ids. */
function resourceIdFor(kind: string, name: string): string {
  return createHash('sha256').update(`${kind}:${name}`).digest('base64url').slice(0, 12);
}

const actionKey = (packageName: string, name: string): string => `${packageName}/${name}`;

/** "package/action" ("-/action" in no package): how sequences name their components and triggers their actions. */
export const refText = (ref: ActionRef): string => actionKey(ref.packageName, ref.name);

/** The reverse of refText; undefined when the text is not "package/action". */
export function parseRef(text: string): ActionRef | undefined {
  const i = text.indexOf('/');
  if (i <= 0 || i !== text.lastIndexOf('/') || i === text.length - 1) return undefined;
  return { packageName: text.slice(0, i), name: text.slice(i + 1) };
}

const sameRef = (a: ActionRef, b: ActionRef): boolean => a.packageName === b.packageName && a.name === b.name;

export class EmulatorStore {
  readonly namespace = NAMESPACE;
  private readonly packages = new Map<string, PackageEntity>();
  private readonly actions = new Map<string, ActionEntity>();
  private readonly triggers = new Map<string, TriggerEntity>();
  private readonly activations = new Map<string, StoredActivation>();
  private readonly vpcFaults = new Map<string, VpcFault>();
  private seq = 0;
  private started = 0;
  private completed = 0;
  private triggerStarted = 0;
  private codeTotal = 0;

  constructor(private readonly now: () => number) {}

  /**
   * Action runs the emulator has committed to (counted when an invoke is accepted, before it waits for a
   * worker), so a test can assert exactly-once execution right after the invoke call returns.
   */
  get runsStarted(): number {
    return this.started;
  }

  /** Records written, except those a trigger caused (its own activation and its rules' runs). */
  get runsCompleted(): number {
    return this.completed;
  }

  /**
   * Action runs a trigger started (fired over HTTP or by its cron schedule), counted apart from runsStarted so
   * that a scheduled firing never shows up in a test's count of the invokes it made.
   */
  get triggerRunsStarted(): number {
    return this.triggerStarted;
  }

  /** @internal called by the invoker, once per invoke accepted or per run a trigger starts. */
  noteRunStarted(origin: RunOrigin = 'invoke'): void {
    if (origin === 'trigger') this.triggerStarted += 1;
    else this.started += 1;
  }

  /** Characters of action code held (text, or base64 for binary code); bounded by the HTTP layer. */
  get codeBytes(): number {
    return this.codeTotal;
  }

  get counts(): { packages: number; actions: number; triggers: number } {
    return { packages: this.packages.size, actions: this.actions.size, triggers: this.triggers.size };
  }

  /**
   * What already holds `name` at the namespace level: a package, an action in no package or a trigger (on
   * either platform). Actions inside a package are named within their package only.
   */
  namespaceEntity(name: string): 'package' | 'action' | 'trigger' | undefined {
    if (this.packages.has(name)) return 'package';
    if (this.actions.has(actionKey(NO_PACKAGE, name))) return 'action';
    if (this.triggers.has(name)) return 'trigger';
    return undefined;
  }

  // ---- packages ----

  putPackage(input: PackageInput): PackageEntity {
    const existing = this.packages.get(input.name);
    const platform = input.platform ?? existing?.platform ?? 'vpc';
    if (existing && existing.platform !== platform) {
      throw new Error(`package ${input.name} exists on platform ${existing.platform}`);
    }
    const pkg: PackageEntity = {
      name: input.name,
      platform,
      description: input.description ?? existing?.description ?? '',
      parameters: input.parameters ?? existing?.parameters ?? {},
      resourceId: existing?.resourceId ?? resourceIdFor('package', input.name),
    };
    this.packages.set(pkg.name, pkg);
    return pkg;
  }

  getPackage(name: string): PackageEntity | undefined {
    return this.packages.get(name);
  }

  /** Removes the package only; callers decide whether a non-empty package may go. */
  deletePackage(name: string): boolean {
    return this.packages.delete(name);
  }

  listPackages(platform?: Platform): PackageEntity[] {
    return [...this.packages.values()]
      .filter((p) => platform === undefined || p.platform === platform)
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  // ---- actions ----

  putAction(input: ActionInput): ActionEntity {
    const packageName = input.packageName ?? NO_PACKAGE;
    let platform: Platform;
    if (packageName === NO_PACKAGE) {
      platform = input.platform ?? 'vpc';
    } else {
      const pkg = this.packages.get(packageName);
      if (!pkg) throw new Error(`package ${packageName} does not exist`);
      if (input.platform && input.platform !== pkg.platform) {
        throw new Error(`package ${packageName} is on platform ${pkg.platform}`);
      }
      platform = pkg.platform;
    }
    const key = actionKey(packageName, input.name);
    const existing = this.actions.get(key);
    const action: ActionEntity = {
      packageName,
      name: input.name,
      platform,
      type: input.type ?? existing?.type ?? 'basic',
      description: input.description ?? '',
      parameters: input.parameters ?? {},
      limits: { timeout: input.limits?.timeout ?? 60000, memory: input.limits?.memory ?? 256 },
      exec: {
        kind: input.exec.kind ?? 'nodejs:16',
        code: input.exec.code,
        main: input.exec.main ?? 'main',
        binary: input.exec.binary ?? false,
      },
      vpc: input.vpc ?? [],
      rawHttp: input.rawHttp ?? false,
      customOptions: input.customOptions ?? false,
      resourceId: existing?.resourceId ?? resourceIdFor('action', key),
    };
    if (input.exec.components) action.exec.components = [...input.exec.components];
    if (input.exec.imageUri !== undefined) action.exec.imageUri = input.exec.imageUri;
    this.codeTotal += action.exec.code.length - (existing?.exec.code.length ?? 0);
    this.actions.set(key, action);
    return action;
  }

  getAction(packageName: string, name: string): ActionEntity | undefined {
    return this.actions.get(actionKey(packageName, name));
  }

  /**
   * Deletes the action, unlinks it from every trigger and takes it out of every sequence; a sequence left
   * with no component is deleted the same way (docs/upstream/triggers.md#deleting-an-action).
   */
  deleteAction(packageName: string, name: string): boolean {
    return this.deleteActions([{ packageName, name }]).length > 0;
  }

  /** Deletes the actions and what the cascade takes with them; answers every action deleted. */
  deleteActions(refs: ActionRef[]): ActionRef[] {
    const deleted: ActionRef[] = [];
    const pending = [...refs];
    for (let ref = pending.shift(); ref !== undefined; ref = pending.shift()) {
      const key = actionKey(ref.packageName, ref.name);
      const action = this.actions.get(key);
      if (!action) continue;
      this.actions.delete(key);
      this.vpcFaults.delete(key);
      this.codeTotal -= action.exec.code.length;
      deleted.push(ref);
      const text = refText(ref);
      for (const t of this.triggers.values()) t.actions = t.actions.filter((a) => !sameRef(a, ref));
      for (const other of this.actions.values()) {
        const components = other.exec.components;
        if (!components || !components.includes(text)) continue;
        other.exec.components = components.filter((c) => c !== text);
        if (other.exec.components.length === 0) pending.push({ packageName: other.packageName, name: other.name });
      }
    }
    return deleted;
  }

  /** Sequences that name `ref` as a component. */
  sequencesUsing(ref: ActionRef): ActionEntity[] {
    const text = refText(ref);
    return [...this.actions.values()].filter((a) => a.exec.components?.includes(text));
  }

  /** Test hook: the next delete of this (VPC) action fails with one of NCP's VPC/NAT errors, once. */
  injectVpcFault(packageName: string, name: string, code: VpcFault): void {
    const action = this.actions.get(actionKey(packageName, name));
    if (!action || action.platform !== 'vpc') throw new Error(`no VPC action ${actionKey(packageName, name)}`);
    this.vpcFaults.set(actionKey(packageName, name), code);
  }

  /** @internal the pending VPC fault of an action, consumed. */
  takeVpcFault(packageName: string, name: string): VpcFault | undefined {
    const key = actionKey(packageName, name);
    const fault = this.vpcFaults.get(key);
    this.vpcFaults.delete(key);
    return fault;
  }

  // ---- triggers ----

  /** Creates or updates a trigger; its type and platform are fixed once it exists, its links kept. */
  putTrigger(input: TriggerInput): TriggerEntity {
    const existing = this.triggers.get(input.name);
    const platform = input.platform ?? existing?.platform ?? 'vpc';
    if (existing && (existing.platform !== platform || existing.type !== input.type)) {
      throw new Error(`trigger ${input.name} exists as a ${existing.type} trigger on platform ${existing.platform}`);
    }
    const trigger: TriggerEntity = {
      name: input.name,
      platform,
      type: input.type,
      description: input.description ?? existing?.description ?? '',
      parameters: input.parameters ?? existing?.parameters ?? {},
      resourceId: existing?.resourceId ?? resourceIdFor('trigger', input.name),
      actions: existing?.actions ?? [],
    };
    if (input.cronOption !== undefined) trigger.cronOption = input.cronOption;
    if (input.github !== undefined) trigger.github = input.github;
    const eventLinks = input.eventLinks ?? existing?.eventLinks;
    if (eventLinks !== undefined) trigger.eventLinks = eventLinks;
    const link = input.link ?? existing?.link;
    if (link !== undefined) trigger.link = link;
    this.triggers.set(trigger.name, trigger);
    return trigger;
  }

  getTrigger(name: string): TriggerEntity | undefined {
    return this.triggers.get(name);
  }

  deleteTrigger(name: string): boolean {
    return this.triggers.delete(name);
  }

  listTriggers(platform?: Platform): TriggerEntity[] {
    return [...this.triggers.values()]
      .filter((t) => platform === undefined || t.platform === platform)
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  /** Links an existing action to the trigger; linking it again changes nothing. */
  linkAction(triggerName: string, ref: ActionRef): TriggerEntity {
    const trigger = this.triggers.get(triggerName);
    if (!trigger) throw new Error(`trigger ${triggerName} does not exist`);
    if (!this.actions.has(actionKey(ref.packageName, ref.name)))
      throw new Error(`action ${refText(ref)} does not exist`);
    if (!trigger.actions.some((a) => sameRef(a, ref))) trigger.actions.push({ ...ref });
    return trigger;
  }

  /** Unlinks the action; unlinking one that is not linked changes nothing. */
  unlinkAction(triggerName: string, ref: ActionRef): TriggerEntity {
    const trigger = this.triggers.get(triggerName);
    if (!trigger) throw new Error(`trigger ${triggerName} does not exist`);
    trigger.actions = trigger.actions.filter((a) => !sameRef(a, ref));
    return trigger;
  }

  listActions(packageName: string, platform?: Platform): ActionEntity[] {
    return [...this.actions.values()]
      .filter((a) => a.packageName === packageName && (platform === undefined || a.platform === platform))
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  /** OpenWhisk-style fully qualified path, used in the `path` annotation and the v2.0 action detail. */
  actionPath(packageName: string, name: string): string {
    return packageName === NO_PACKAGE ? `${this.namespace}/${name}` : `${this.namespace}/${packageName}/${name}`;
  }

  // ---- activations ----

  /**
   * Stores a finished record (an action's run by default; `kind: 'trigger'` with `triggerName` for a trigger's
   * own activation). Records older than a month are dropped, as upstream keeps only a month.
   */
  addActivation(entry: {
    platform: Platform;
    packageName: string;
    actionName: string;
    record: ActivationRecord;
    kind?: 'action' | 'trigger';
    triggerName?: string;
    origin?: RunOrigin;
  }): void {
    this.seq += 1;
    const stored: StoredActivation = {
      ...entry,
      kind: entry.kind ?? 'action',
      origin: entry.origin ?? 'invoke',
      seq: 0,
    };
    stored.seq = this.seq;
    this.activations.set(entry.record.activationId, stored);
    if (stored.origin !== 'trigger') this.completed += 1;
    // Map order is insertion order, close enough to "oldest first" to evict from the front.
    if (this.activations.size > MAX_ACTIVATIONS) {
      const oldest = this.activations.keys().next();
      if (!oldest.done) this.activations.delete(oldest.value);
    }
    // Reads filter by the retention window anyway; pruning only bounds memory, so it need not run each time.
    if (this.seq % 500 === 0) this.prune();
  }

  getActivation(activationId: string): ActivationRecord | undefined {
    return this.getStoredActivation(activationId)?.record;
  }

  getStoredActivation(activationId: string): StoredActivation | undefined {
    const a = this.activations.get(activationId);
    if (!a || a.record.start < oneMonthBefore(this.now())) return undefined;
    return a;
  }

  /** Most recent first (by start, then by arrival). */
  listActivations(filter: ActivationFilter = {}): ActivationRecord[] {
    const floor = Math.max(filter.since ?? -Infinity, oneMonthBefore(this.now()));
    return [...this.activations.values()]
      .filter(
        (a) =>
          (filter.platform === undefined || a.platform === filter.platform) &&
          (filter.kind === undefined || a.kind === filter.kind) &&
          (filter.triggerName === undefined || a.triggerName === filter.triggerName) &&
          (filter.packageName === undefined || a.packageName === filter.packageName) &&
          (filter.actionName === undefined || a.actionName === filter.actionName) &&
          a.record.start >= floor &&
          (filter.upto === undefined || a.record.start <= filter.upto),
      )
      .sort((a, b) => b.record.start - a.record.start || b.seq - a.seq)
      .map((a) => a.record);
  }

  clearActivations(): void {
    this.activations.clear();
  }

  private prune(): void {
    const floor = oneMonthBefore(this.now());
    for (const [id, a] of this.activations) if (a.record.start < floor) this.activations.delete(id);
  }
}
