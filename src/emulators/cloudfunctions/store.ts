// The emulator's in-memory state. The HTTP layer validates requests and then calls these methods; tests
// call them directly to arrange data or to look behind the API (runsStarted, raw records).
import { createHash } from 'node:crypto';
import { oneMonthBefore } from './time';
import type {
  ActionEntity,
  ActionType,
  ActivationRecord,
  JsonObject,
  PackageEntity,
  Platform,
  StoredActivation,
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
  exec: { kind?: string; code: string; main?: string; binary?: boolean };
  vpc?: VpcLink[];
  rawHttp?: boolean;
  customOptions?: boolean;
}

export interface ActivationFilter {
  platform?: Platform;
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

export class EmulatorStore {
  readonly namespace = NAMESPACE;
  private readonly packages = new Map<string, PackageEntity>();
  private readonly actions = new Map<string, ActionEntity>();
  private readonly activations = new Map<string, StoredActivation>();
  private seq = 0;
  private started = 0;
  private completed = 0;

  constructor(private readonly now: () => number) {}

  /**
   * Action runs the emulator has committed to (counted when an invoke is accepted, before it waits for a
   * worker), so a test can assert exactly-once execution right after the invoke call returns.
   */
  get runsStarted(): number {
    return this.started;
  }

  /** Runs whose record has been written. */
  get runsCompleted(): number {
    return this.completed;
  }

  /** @internal called by the invoker. */
  noteRunStarted(): void {
    this.started += 1;
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
    this.actions.set(key, action);
    return action;
  }

  getAction(packageName: string, name: string): ActionEntity | undefined {
    return this.actions.get(actionKey(packageName, name));
  }

  deleteAction(packageName: string, name: string): boolean {
    return this.actions.delete(actionKey(packageName, name));
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

  /** Stores a finished record. Records older than a month are dropped, as upstream keeps only a month. */
  addActivation(entry: {
    platform: Platform;
    packageName: string;
    actionName: string;
    record: ActivationRecord;
  }): void {
    this.seq += 1;
    this.activations.set(entry.record.activationId, { ...entry, seq: this.seq });
    this.completed += 1;
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
