/**
 * REST shapes of NCP Cloud Functions (docs/upstream/cloud-functions.md), as the gateway reads them.
 *
 * Everything the upstream sends is typed loosely on purpose: both API generations (v2.0 under
 * `/api/v2`, v2.1 under `/ncf/api/v2`) and their documented variants (a duration as string or
 * integer, `type` vs `runtime` + `web` on action list items) must be tolerated, so fields are
 * optional and normalised where they are read, not trusted here.
 */

/** The platform query value sent on every call. */
export type Platform = 'vpc' | 'classic';

/** Which generation of the REST API the base URL points at. */
export type ApiGeneration = 'v2.0' | 'v2.1';

/** `GET /packages` item. */
export interface PackageSummary {
  name: string;
  description?: string | null;
}

/** `GET /packages/{pkg}`. `actions` is documented as Object[] (the table calls it `action`). */
export interface PackageDetail extends PackageSummary {
  parameters?: Record<string, unknown> | null;
  platform?: string | null;
  resourceId?: string | null;
  namespace?: string | null;
  actions?: ActionSummary[] | null;
  action?: ActionSummary[] | null;
}

/** `GET /packages/{pkg}/actions` item: v2.1 carries `type`, v2.0 carries `runtime` and `web`. */
export interface ActionSummary {
  name: string;
  description?: string | null;
  type?: string | null;
  runtime?: string | null;
  web?: boolean | null;
}

/** `GET /packages/{pkg}/actions/{action}`. */
export interface ActionDetail extends ActionSummary {
  parameters?: Record<string, unknown> | null;
  limits?: { timeout?: number | null; memory?: number | null } | null;
  exec?: {
    kind?: string | null;
    main?: string | null;
    binary?: boolean | null;
    code?: string | null;
    imageUri?: string | null;
    /** A sequence's components (OpenWhisk's form), `package/action` strings. */
    components?: unknown[] | null;
  } | null;
  resourceId?: string | null;
  path?: string | null;
  /** v2.1: an array of `{vpcNo, subnetNo}`; v2.0: one object. */
  vpc?: unknown;
  'raw-http'?: boolean | null;
  'custom-options'?: boolean | null;
}

/**
 * Activation list item. `duration` is an integer in v2.1 and may be a string in v2.0. NCP documents
 * only `activationId`, `duration` and `status`; OpenWhisk's own items also carry `name`, read when present.
 */
export interface ActivationSummary {
  activationId: string;
  name?: string | null;
  duration?: number | string | null;
  status?: string | number | null;
}

export interface ActivationList {
  activations: ActivationSummary[];
  totalCount: number;
}

/** Activation detail and the body of a finished invoke. */
export interface ActivationRecord {
  activationId: string;
  name?: string | null;
  namespace?: string | null;
  subject?: string | null;
  start?: number | string | null;
  end?: number | string | null;
  duration?: number | string | null;
  logs?: string[] | null;
  response?: {
    status?: string | number | null;
    statusCode?: number | null;
    success?: boolean | null;
    result?: unknown;
  } | null;
}

/** What an invoke answered: the finished run, or only its id because it outlived the wait. */
export type InvokeOutcome =
  { completed: true; activationId: string; record: ActivationRecord } | { completed: false; activationId: string };

/** Paging and time window of an activation list, already validated. */
export interface ActivationQuery {
  pageNo: number;
  pageSize: number;
  /** Epoch ms, inclusive. */
  since?: number;
  /** Epoch ms, inclusive. */
  until?: number;
}

/** The address of a package (platform + name); `-` is "no package". */
export interface PackageKey {
  platform: Platform;
  package: string;
}

export interface ActionKey extends PackageKey {
  action: string;
}

export interface ActivationKey extends ActionKey {
  id: string;
}

/*
 * What field resolvers receive (codegen mappers): the address of the resource plus the upstream
 * object that was read for it, if any. A list item and a detail are kept apart so a resolver can
 * tell whether a field is absent or simply not carried by the shape at hand, and load the detail
 * only then.
 */

export interface PackageSource extends PackageKey {
  summary?: PackageSummary;
  detail?: PackageDetail;
}

export interface ActionSource extends ActionKey {
  summary?: ActionSummary;
  detail?: ActionDetail;
}

/**
 * A run as field resolvers see it. An action's runs carry the action's address; a trigger's own
 * activations (its firings) carry the trigger's name instead; an item of the namespace-wide list
 * carries neither, since NCP's items name no action (docs/upstream/triggers.md#endpoints).
 */
export interface ActivationSource {
  platform: Platform;
  id: string;
  package?: string;
  action?: string;
  trigger?: string;
  summary?: ActivationSummary;
  record?: ActivationRecord;
}

/** Whose runs a page lists: one action's, one trigger's (its firings), or the whole namespace's. */
export type ActivationOwner =
  { kind: 'action'; key: ActionKey } | { kind: 'trigger'; key: TriggerKey } | { kind: 'namespace'; platform: Platform };

export interface ActivationPageSource {
  owner: ActivationOwner;
  query: ActivationQuery;
  list: ActivationList;
}

/*
 * Triggers (docs/upstream/triggers.md), v2.x only. A list item carries `name` and `type` (`cron` on
 * v2.1, `Cron` on v2.0: compared case-insensitively); the detail adds `description`, `resourceId`,
 * `actions` (String[], `package/action`) and `execOption`, an array of `{key, value}` on v2.1 and one
 * such object (whose value may itself be such an array) on v2.0. `parameters` is not in the documented
 * field list of GET but is accepted on PUT, so it is read when present.
 */

export interface TriggerKey {
  platform: Platform;
  trigger: string;
}

/** `GET /triggers` item. */
export interface TriggerSummary {
  name: string;
  type?: string | null;
}

/** `GET /triggers/{t}`. */
export interface TriggerDetail extends TriggerSummary {
  description?: string | null;
  resourceId?: string | null;
  parameters?: Record<string, unknown> | null;
  actions?: unknown[] | null;
  execOption?: unknown;
}

export interface TriggerSource extends TriggerKey {
  summary?: TriggerSummary;
  detail?: TriggerDetail;
}

/** What a package write sends (docs/upstream/cloud-functions.md#packages): the whole package. */
export interface PackageWrite {
  description?: string;
  parameters?: Record<string, unknown>;
}

/** What an action write sends: the whole action (PUT is an upsert that replaces it). */
export interface ActionWrite {
  type: 'basic' | 'web' | 'sequence' | 'sequence-web';
  description?: string;
  parameters?: Record<string, unknown>;
  limits?: { timeout: number; memory: number };
  exec:
    | { kind: string; code?: string; main?: string; binary: boolean; imageUri?: string }
    | { kind: 'sequence'; components: string[] };
  vpc?: Array<{ vpcNo: number; subnetNo: number }>;
  rawHttp?: boolean;
  customOptions?: boolean;
}

/** What `fireTrigger` answers: the firing's activation id and the trigger, read when asked for. */
export interface FireTriggerPayloadSource {
  activationId: string;
  trigger: TriggerSource;
}

/** The upstream trigger types the API creates (docs/upstream/triggers.md#types). */
export type UpstreamTriggerType = 'cron' | 'github' | 'insight' | 'object_storage' | 'source_commit' | 'secret_manager';

/**
 * What a trigger write sends: its type (the `type` query) and the type's fields, flat (the client
 * wraps them in `trigger` on v2.0).
 */
export interface TriggerWrite {
  type: UpstreamTriggerType;
  fields: Record<string, unknown>;
}
