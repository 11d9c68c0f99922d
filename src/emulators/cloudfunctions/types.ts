// Shapes shared by the emulator's modules. Kept apart from the gateway's own REST types on purpose:
// the emulator must describe the upstream from the documentation, not from the client's reading of it.

export type Platform = 'vpc' | 'classic';

/** The two documented path generations: v2.1 lives under /ncf/api/v2, v2.0 under /api/v2. */
export type Generation = 'v2.1' | 'v2.0';

export type ActionType = 'basic' | 'web' | 'sequence' | 'sequence-web';

/** The trigger types PUT trigger takes (v2.0 lacks secret_manager): docs/upstream/triggers.md#types. */
export type TriggerType = 'cron' | 'github' | 'insight' | 'object_storage' | 'source_commit' | 'secret_manager';

/** OpenWhisk's user-facing status strings (with spaces, not the internal enum names). */
export type ActivationStatus = 'success' | 'application error' | 'action developer error' | 'whisk internal error';

export type JsonObject = { [key: string]: unknown };

export interface PackageEntity {
  name: string;
  platform: Platform;
  description: string;
  parameters: JsonObject;
  resourceId: string;
}

export interface VpcLink {
  vpcNo: number;
  subnetNo: number;
}

export interface ActionEntity {
  /** '-' for an action that belongs to no package. */
  packageName: string;
  name: string;
  platform: Platform;
  type: ActionType;
  description: string;
  parameters: JsonObject;
  limits: { timeout: number; memory: number };
  /** Sequences: kind 'sequence', no code, and `components` ("package/action", "-" for no package). */
  exec: { kind: string; code: string; main: string; binary: boolean; imageUri?: string; components?: string[] };
  vpc: VpcLink[];
  rawHttp: boolean;
  customOptions: boolean;
  resourceId: string;
}

/** One linked action of a trigger (a hidden OpenWhisk rule). */
export interface ActionRef {
  /** '-' for an action in no package. */
  packageName: string;
  name: string;
}

/** The API Gateway `link` block of a trigger (v2.1 productName; v2.0 productId). */
export interface ApiGatewayLink {
  productName?: string;
  productId?: string;
  apiName: string;
  stageName: string;
  authentication: 'NONE' | 'IAM';
}

export interface GithubOptions {
  username: string;
  accessToken: string;
  repository: string;
  events: string[];
}

export interface TriggerEntity {
  name: string;
  platform: Platform;
  type: TriggerType;
  description: string;
  parameters: JsonObject;
  resourceId: string;
  /** cron: the 5-field expression. */
  cronOption?: string;
  github?: GithubOptions;
  /** insight, object_storage, source_commit, secret_manager: the type's link list (insightLink, ...), validated. */
  eventLinks?: JsonObject[];
  link?: ApiGatewayLink;
  /** Linked actions, in the order they were linked. */
  actions: ActionRef[];
}

export interface ActivationAnnotation {
  key: string;
  value: unknown;
}

export interface ActivationResponse {
  status: ActivationStatus;
  statusCode: number;
  success: boolean;
  result: JsonObject;
  size: number;
}

/** The OpenWhisk-like record, as the v2.1 API shows it (duration is a number here). */
export interface ActivationRecord {
  activationId: string;
  name: string;
  namespace: string;
  subject: string;
  version: string;
  publish: boolean;
  start: number;
  end: number;
  duration: number;
  logs: string[];
  response: ActivationResponse;
  annotations: ActivationAnnotation[];
  /** The activation that caused this one: the trigger's for a rule's run, the sequence's for a component. */
  cause?: string;
}

/** Who started a run: an invoke (counted in runsStarted) or a trigger (counted in triggerRunsStarted). */
export type RunOrigin = 'invoke' | 'trigger';

/** A record plus what the API needs to filter it (it is not shown to clients). */
export interface StoredActivation {
  platform: Platform;
  /** 'trigger' for a trigger's own activation (packageName and actionName are then ''). */
  kind: 'action' | 'trigger';
  packageName: string;
  actionName: string;
  /** Set on trigger activations. */
  triggerName?: string;
  origin: RunOrigin;
  record: ActivationRecord;
  /** Insertion order, to break ties between records that started in the same millisecond. */
  seq: number;
}

export const STATUS_CODES: Record<ActivationStatus, number> = {
  success: 0,
  'application error': 1,
  'action developer error': 2,
  'whisk internal error': 3,
};
