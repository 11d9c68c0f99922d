/* eslint-disable */
/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';
/** An action's code: what runs, and how. */
export type ActionCodeInput = {
  /** True when `source` is a base64 archive (default false). */
  binary?: boolean | null | undefined;
  /** For `custom image` only, and required there: the Container Registry image, `registry/image:tag`. */
  imageUri?: string | null | undefined;
  /** The runtime kind: `nodejs:22`, `python:3.13`, `java` (Java 8), `java:21`, `swift:3.1.1`, `php:7.3`, `go:1.19`, `dotnet:2.2` or `custom image` (`BAD_USER_INPUT` for another, or for a runtime NCP retired). */
  kind: string;
  /** The entry point the runtime calls (default `main`). */
  main?: string | null | undefined;
  /** The source text, or a base64 zip (or jar) when `binary` is true (Java and .NET need one); required except for `custom image`. At most 38 MB (for a zip, before base64). */
  source?: string | null | undefined;
};

/** How long one run may take and how much memory it gets. */
export type ActionLimitsInput = {
  /** Memory for one run: 128, 256, 512 or 1024 MB (default 128 on create, as NCP's console; `BAD_USER_INPUT` otherwise). */
  memoryMb?: number | null | undefined;
  /** How long one run may take before it is killed, 500 to 300000 ms (default 60000 on create; `BAD_USER_INPUT` outside). */
  timeoutMs?: number | null | undefined;
};

/** An action's type; it is chosen at creation and cannot change. */
export type ActionType =
  /** Runs its code when invoked or fired. */
  | 'BASIC'
  /** Runs its component actions in order, each one's result the next one's parameters; it has no code of its own. */
  | 'SEQUENCE'
  /** A sequence that can answer HTTP requests through an API Gateway trigger. */
  | 'SEQUENCE_WEB'
  /** Like basic, and can answer HTTP requests through an API Gateway trigger. */
  | 'WEB';

/** How a run ended (OpenWhisk activation status). */
export type ActivationStatus =
  /** The action failed: it threw, did not return an object, or exceeded its time limit. */
  | 'ACTION_DEVELOPER_ERROR'
  /** The action ran and reported an error itself (its result carries `error`). */
  | 'APPLICATION_ERROR'
  /** The platform failed to run the action. */
  | 'INTERNAL_ERROR'
  /** The action ran and returned a result. */
  | 'SUCCESS';

/** How an API Gateway call is authenticated. */
export type ApiGatewayAuthentication =
  /** Callers sign with NCP IAM credentials. */
  | 'IAM'
  /** Anyone may call. */
  | 'NONE';

/** An API Gateway product, API and stage to expose a trigger through (NCP's `link`; for GitHub triggers, given at creation). */
export type ApiGatewayLinkInput = {
  /** The API's name. */
  apiName: string;
  /** How callers authenticate (NCP's default applies when omitted). */
  authentication?: ApiGatewayAuthentication | null | undefined;
  /** The API Gateway product's id (the v2.0 API takes it instead of the name). */
  productId?: string | null | undefined;
  /** The API Gateway product's name (v2.1 API). */
  productName?: string | null | undefined;
  /** The stage's name. */
  stageName: string;
};

/** A new action. A basic or web action takes `code` (and `limits`); a sequence takes `components` and no code, limits or parameters. */
export type CreateActionInput = {
  /** The code (required for basic and web actions; not for sequences). */
  code?: ActionCodeInput | null | undefined;
  /** For a sequence (required, at least one): its component actions in order, each `package/action` or `action` (in no package); each must exist (`BAD_USER_INPUT` otherwise). */
  components?: Array<string> | null | undefined;
  /** For web actions: the action answers OPTIONS requests itself (NCP's `custom-options`). */
  customOptions?: boolean | null | undefined;
  /** What the action does, at most 3000 bytes of UTF-8. */
  description?: string | null | undefined;
  /** The run limits of a basic or web action (defaults: 60000 ms, 128 MB). */
  limits?: ActionLimitsInput | null | undefined;
  /** The action's name: 1 to 50 letters, digits, `_` or `-`, not starting with `-`; in no package, also no package's or trigger's name (`BAD_USER_INPUT` otherwise). */
  name: string;
  /** The package to create it in (it must exist: `NOT_FOUND` otherwise); omit it (or pass `-`) for an action in no package. */
  package?: string | null | undefined;
  /** Default parameters of the action, a JSON object of at most 1 MB as JSON (above the package's defaults, below an invoke's `params`); not for sequences. */
  parameters?: unknown;
  /** The platform to create it on; omitted: the gateway's default (`NCP_PLATFORM`). */
  platform?: Platform | null | undefined;
  /** For web actions: the action receives the HTTP request raw (NCP's `raw-http`). */
  rawHttp?: boolean | null | undefined;
  /** The action's type (default `BASIC`); it cannot change later. */
  type?: ActionType | null | undefined;
  /** VPC subnets to attach a basic or web action to (NCP requires one on the VPC platform in some regions; its refusal is passed on as `BAD_USER_INPUT`). */
  vpc?: Array<VpcLinkInput> | null | undefined;
};

/** A new package. */
export type CreatePackageInput = {
  /** What the package is for, at most 3000 bytes of UTF-8 (`BAD_USER_INPUT` beyond). */
  description?: string | null | undefined;
  /** The package's name: 1 to 50 letters, digits, `_` or `-`, not starting with `-`, and no other package's, trigger's or in-no-package action's name (`BAD_USER_INPUT` otherwise). */
  name: string;
  /** Default parameters of every action in the package, a JSON object of at most 1 MB as JSON (`BAD_USER_INPUT` otherwise). */
  parameters?: unknown;
  /** The platform to create it on; omitted: the gateway's default (`NCP_PLATFORM`). */
  platform?: Platform | null | undefined;
};

/** A new trigger: its type, and the options of that type (only those: another type's options are `BAD_USER_INPUT`). */
export type CreateTriggerInput = {
  /** An API Gateway product, API and stage to expose the trigger through (NCP's `link`). */
  apiGateway?: ApiGatewayLinkInput | null | undefined;
  /** For `CRON` (required there): the schedule, 5 crontab fields (minute, hour, day of month, month, day of week), for example `*\/5 * * * *`; checked by a cron parser (`BAD_USER_INPUT` when it is not one) and sent as written. */
  cron?: string | null | undefined;
  /** What the trigger is for, at most 3000 bytes of UTF-8. */
  description?: string | null | undefined;
  /** For `GITHUB` (required there): the repository and events. */
  github?: GithubTriggerInput | null | undefined;
  /** For `INSIGHT`: the Cloud Insight event rules. */
  insight?: Array<InsightLinkInput> | null | undefined;
  /** The trigger's name: 1 to 50 letters, digits, `_` or `-`, not starting with `-`, and no package's or in-no-package action's name (`BAD_USER_INPUT` otherwise). */
  name: string;
  /** For `OBJECT_STORAGE`: the bucket event rules. */
  objectStorage?: Array<ObjectStorageLinkInput> | null | undefined;
  /** Other fields of the upstream's trigger body that have no input of their own here, a JSON object sent as written (for fields NCP adds); it may not repeat a field the inputs above set. */
  options?: unknown;
  /** Default parameters the trigger passes to the actions it runs, a JSON object of at most 1 MB as JSON. */
  parameters?: unknown;
  /** The platform to create it on; omitted: the gateway's default (`NCP_PLATFORM`). */
  platform?: Platform | null | undefined;
  /** For `SECRET_MANAGER`: the secrets. */
  secretManager?: Array<SecretManagerLinkInput> | null | undefined;
  /** For `SOURCE_COMMIT`: the repository webhooks. */
  sourceCommit?: Array<SourceCommitLinkInput> | null | undefined;
  /** What fires it: `CRON`, `GITHUB`, `INSIGHT`, `OBJECT_STORAGE`, `SOURCE_COMMIT` or `SECRET_MANAGER` (the API cannot create the others: `BAD_USER_INPUT`). It cannot change later. */
  type: TriggerType;
};

/** The GitHub repository and events a GitHub trigger listens to. */
export type GithubTriggerInput = {
  /** A GitHub access token of that user with access to the repository (never answered back: `Trigger.options` shows it redacted). */
  accessToken: string;
  /** The events that fire the trigger, for example `push`, `pull_request`, `release`, or `*` for all (at least one). */
  events: Array<string>;
  /** The repository, `repo` or `owner/repo`. */
  repository: string;
  /** The GitHub user whose token is used. */
  username: string;
};

/** One Cloud Insight event rule an insight trigger listens to (NCP's `insightLink`). */
export type InsightLinkInput = {
  /** Fire once more when the event closes (default false). */
  notifyOnClose?: boolean | null | undefined;
  /** The Cloud Insight product key. */
  prodKey: string;
  /** Fire again after this many minutes while the event lasts, 5 to 720. */
  reminderTimeMinutes?: number | null | undefined;
  /** The event rule group's id. */
  ruleGroupId: string;
};

/** Which action to run, with what parameters, and how long to wait for it. */
export type InvokeActionInput = {
  /** The action's name: 1 to 50 letters, digits, `_` or `-`, not starting with `-` (`BAD_USER_INPUT` otherwise). */
  action: string;
  /** The package of the action; omit it (or pass `-`) for an action in no package. */
  package?: string | null | undefined;
  /** Runtime parameters, a JSON object (default `{}`; anything else is `BAD_USER_INPUT`); they override the action's and the package's defaults. */
  params?: unknown;
  /** The platform the action is on; omitted: the gateway's default (`NCP_PLATFORM`). */
  platform?: Platform | null | undefined;
  /** How long to wait for the run to finish, 0 to 60000 ms (default 60000; `BAD_USER_INPUT` outside). Not the action's own time limit (`limits.timeoutMs`): a run that outlives the wait keeps running. */
  timeoutMs?: number | null | undefined;
};

/** One Object Storage bucket event rule an object-storage trigger listens to (NCP's `objectStorageLink`). */
export type ObjectStorageLinkInput = {
  /** The bucket's name. */
  bucketName: string;
  /** The name of the bucket's event rule. */
  eventRuleName: string;
};

/** The NCP network platform a Cloud Functions resource lives on. When a field's `platform` argument is omitted, the gateway's configured default (`NCP_PLATFORM`, VPC unless set otherwise) is used. Asking for a package or action on the platform it is not on answers `BAD_USER_INPUT`. */
export type Platform =
  /** The Classic platform. */
  | 'CLASSIC'
  /** The VPC platform. */
  | 'VPC';

/** One Secret Manager secret a secret-manager trigger listens to (NCP's `secretManagerLink`). */
export type SecretManagerLinkInput = {
  /** The secret's name. */
  secretName: string;
};

/** One SourceCommit repository webhook a source-commit trigger listens to (NCP's `sourceCommitLink`). */
export type SourceCommitLinkInput = {
  /** Whether the webhook is on (default true). */
  enabled?: boolean | null | undefined;
  /** The repository's name. */
  repositoryName: string;
  /** The webhook's name. */
  webhookName: string;
};

/** What fires a trigger. The API creates the first six; API Gateway and Resource Manager triggers are made in NCP's console (they can be read here). */
export type TriggerType =
  /** An HTTP call through an API Gateway product, API and stage (read only here: NCP documents no API that creates one). */
  | 'API_GATEWAY'
  /** A schedule: a 5-field crontab expression (`cron`). */
  | 'CRON'
  /** GitHub webhook events of a repository. */
  | 'GITHUB'
  /** A Cloud Insight event rule. */
  | 'INSIGHT'
  /** An Object Storage bucket event rule. */
  | 'OBJECT_STORAGE'
  /** A type the gateway does not know (for example a Resource Manager trigger); read only here. */
  | 'OTHER'
  /** A Secret Manager secret (rotation). */
  | 'SECRET_MANAGER'
  /** A SourceCommit repository webhook (Korea region only). */
  | 'SOURCE_COMMIT';

/** An action and what changes: an omitted field is kept; `description` and `parameters` set to null are removed. */
export type UpdateActionInput = {
  /** The new code, whole (kind, source, entry point); not for sequences. */
  code?: ActionCodeInput | null | undefined;
  /** For a sequence: the new component actions, whole, in order; each must exist. */
  components?: Array<string> | null | undefined;
  /** For web actions: the new `custom-options` setting. */
  customOptions?: boolean | null | undefined;
  /** The new description, at most 3000 bytes of UTF-8; null removes it. */
  description?: string | null | undefined;
  /** New run limits; a limit left out keeps its value. */
  limits?: ActionLimitsInput | null | undefined;
  /** The action's name (names cannot change). */
  name: string;
  /** The package the action is in; omit it (or pass `-`) for an action in no package. */
  package?: string | null | undefined;
  /** The new default parameters, a JSON object of at most 1 MB as JSON, replacing the old ones whole; null removes them; not for sequences. */
  parameters?: unknown;
  /** The platform the action is on; omitted: the gateway's default (`NCP_PLATFORM`). */
  platform?: Platform | null | undefined;
  /** For web actions: the new `raw-http` setting. */
  rawHttp?: boolean | null | undefined;
  /** The action's type, if you want it checked: a type other than the action's is `BAD_USER_INPUT` (types cannot change). */
  type?: ActionType | null | undefined;
  /** The new VPC subnets, whole. */
  vpc?: Array<VpcLinkInput> | null | undefined;
};

/** A package and what changes: an omitted field is kept, a field set to null is removed. */
export type UpdatePackageInput = {
  /** The new description, at most 3000 bytes of UTF-8; null removes it; omitted keeps it. */
  description?: string | null | undefined;
  /** The package's name (names cannot change). */
  name: string;
  /** The new default parameters, a JSON object of at most 1 MB as JSON, replacing the old ones whole; null removes them; omitted keeps them. */
  parameters?: unknown;
  /** The platform the package is on; omitted: the gateway's default (`NCP_PLATFORM`). */
  platform?: Platform | null | undefined;
};

/** A trigger and what changes: an omitted field is kept; `description` and `parameters` set to null are removed. */
export type UpdateTriggerInput = {
  /** A new API Gateway link. */
  apiGateway?: ApiGatewayLinkInput | null | undefined;
  /** For a cron trigger: the new schedule, 5 crontab fields, checked by a cron parser. */
  cron?: string | null | undefined;
  /** The new description, at most 3000 bytes of UTF-8; null removes it. */
  description?: string | null | undefined;
  /** For a GitHub trigger: the new repository and events, whole. */
  github?: GithubTriggerInput | null | undefined;
  /** For an insight trigger: the new event rules, whole. */
  insight?: Array<InsightLinkInput> | null | undefined;
  /** The trigger's name (names cannot change). */
  name: string;
  /** For an object-storage trigger: the new bucket event rules, whole. */
  objectStorage?: Array<ObjectStorageLinkInput> | null | undefined;
  /** Other fields of the upstream's trigger body, a JSON object sent as written. */
  options?: unknown;
  /** The new default parameters, a JSON object of at most 1 MB as JSON, replacing the old ones whole; null removes them. */
  parameters?: unknown;
  /** The platform the trigger is on; omitted: the gateway's default (`NCP_PLATFORM`). */
  platform?: Platform | null | undefined;
  /** For a secret-manager trigger: the new secrets, whole. */
  secretManager?: Array<SecretManagerLinkInput> | null | undefined;
  /** For a source-commit trigger: the new repository webhooks, whole. */
  sourceCommit?: Array<SourceCommitLinkInput> | null | undefined;
  /** The trigger's type, if you want it checked: a type other than the trigger's is `BAD_USER_INPUT` (types cannot change). */
  type?: TriggerType | null | undefined;
};

/** One VPC subnet an action on the VPC platform is attached to. */
export type VpcLinkInput = {
  /** The subnet's number (in Korea, a subnet of zone KR-2). */
  subnetNo: number;
  /** The VPC's number. */
  vpcNo: number;
};

export type ServerHistoryQueryVariables = Exact<{
  id: string | number;
  first?: number | null | undefined;
  after?: string | null | undefined;
}>;


export type ServerHistoryQuery = { server: { id: string, name: string | null, status: string | null, instanceActions: { nodes: Array<{ requestId: string, action: string, startedAt: string | null, message: string | null, events: Array<{ event: string, result: string | null, startedAt: string | null, finishedAt: string | null }> }>, pageInfo: { hasNextPage: boolean, endCursor: string | null } } } | null };

export type ConsoleTriggersQueryVariables = Exact<{ [key: string]: never; }>;


export type ConsoleTriggersQuery = { triggers: Array<{ name: string, type: TriggerType, description: string | null, cron: string | null, actions: Array<{ name: string, package: { name: string } | null }> }> | null };

export type TriggerDetailQueryVariables = Exact<{
  name: string;
  page?: number | null | undefined;
  pageSize?: number | null | undefined;
}>;


export type TriggerDetailQuery = { trigger: { name: string, type: TriggerType, description: string | null, parameters: unknown, cron: string | null, options: unknown, resourceId: string | null, actions: Array<{ name: string, package: { name: string } | null }>, activations: { totalCount: number, page: number, hasNextPage: boolean, nodes: Array<{ id: string, status: ActivationStatus | null, success: boolean | null, durationMs: number | null, startedAt: string | null }> } } | null };

export type NamespaceActivationsQueryVariables = Exact<{
  page?: number | null | undefined;
  pageSize?: number | null | undefined;
  since?: string | null | undefined;
  until?: string | null | undefined;
}>;


export type NamespaceActivationsQuery = { activations: { totalCount: number, page: number, hasNextPage: boolean, nodes: Array<{ id: string, name: string, status: ActivationStatus | null, success: boolean | null, durationMs: number | null, startedAt: string | null, action: { name: string, package: { name: string } | null } | null }> } };

export type ActionCodeQueryVariables = Exact<{
  package?: string | null | undefined;
  name: string;
}>;


export type ActionCodeQuery = { action: { name: string, type: string | null, runtime: string | null, code: { kind: string, main: string | null, binary: boolean, source: string | null, components: Array<string> | null, imageUri: string | null } | null } | null };

export type ActionTriggersQueryVariables = Exact<{
  package?: string | null | undefined;
  name: string;
}>;


export type ActionTriggersQuery = { action: { name: string, triggers: Array<{ name: string, type: TriggerType, cron: string | null }> } | null };

export type CreatePackageMutationVariables = Exact<{
  input: CreatePackageInput;
}>;


export type CreatePackageMutation = { createPackage: { name: string, description: string | null, parameters: unknown } };

export type UpdatePackageMutationVariables = Exact<{
  input: UpdatePackageInput;
}>;


export type UpdatePackageMutation = { updatePackage: { name: string, description: string | null, parameters: unknown } };

export type DeletePackageMutationVariables = Exact<{
  name: string;
}>;


export type DeletePackageMutation = { deletePackage: { name: string, platform: Platform } };

export type CreateActionMutationVariables = Exact<{
  input: CreateActionInput;
}>;


export type CreateActionMutation = { createAction: { name: string, type: string | null, runtime: string | null, description: string | null, parameters: unknown, limits: { timeoutMs: number | null, memoryMb: number | null } | null } };

export type UpdateActionMutationVariables = Exact<{
  input: UpdateActionInput;
}>;


export type UpdateActionMutation = { updateAction: { name: string, type: string | null, runtime: string | null, description: string | null, parameters: unknown, limits: { timeoutMs: number | null, memoryMb: number | null } | null } };

export type DeleteActionMutationVariables = Exact<{
  package?: string | null | undefined;
  name: string;
}>;


export type DeleteActionMutation = { deleteAction: { name: string, package: string | null, platform: Platform } };

export type CreateTriggerMutationVariables = Exact<{
  input: CreateTriggerInput;
}>;


export type CreateTriggerMutation = { createTrigger: { name: string, type: TriggerType, description: string | null, parameters: unknown, cron: string | null } };

export type UpdateTriggerMutationVariables = Exact<{
  input: UpdateTriggerInput;
}>;


export type UpdateTriggerMutation = { updateTrigger: { name: string, type: TriggerType, description: string | null, parameters: unknown, cron: string | null } };

export type DeleteTriggerMutationVariables = Exact<{
  name: string;
}>;


export type DeleteTriggerMutation = { deleteTrigger: { name: string, platform: Platform } };

export type LinkTriggerMutationVariables = Exact<{
  trigger: string;
  package?: string | null | undefined;
  action: string;
}>;


export type LinkTriggerMutation = { linkTrigger: { name: string, actions: Array<{ name: string }> } };

export type UnlinkTriggerMutationVariables = Exact<{
  trigger: string;
  package?: string | null | undefined;
  action: string;
}>;


export type UnlinkTriggerMutation = { unlinkTrigger: { name: string, actions: Array<{ name: string }> } };

export type FireTriggerMutationVariables = Exact<{
  name: string;
  params?: unknown;
}>;


export type FireTriggerMutation = { fireTrigger: { activationId: string, trigger: { name: string } } };

export type ListPackagesQueryVariables = Exact<{ [key: string]: never; }>;


export type ListPackagesQuery = { packages: Array<{ name: string, description: string | null, actions: Array<{ name: string, runtime: string | null }> }> | null };

export type PackageDetailQueryVariables = Exact<{
  name: string;
}>;


export type PackageDetailQuery = { package: { name: string, description: string | null, parameters: unknown, actions: Array<{ name: string, description: string | null, type: string | null }> } | null };

export type ActionDetailQueryVariables = Exact<{
  package?: string | null | undefined;
  name: string;
  page?: number | null | undefined;
  pageSize?: number | null | undefined;
}>;


export type ActionDetailQuery = { action: { name: string, description: string | null, runtime: string | null, parameters: unknown, limits: { timeoutMs: number | null, memoryMb: number | null } | null, activations: { totalCount: number, page: number, hasNextPage: boolean, nodes: Array<{ id: string, status: ActivationStatus | null, success: boolean | null, durationMs: number | null }> } } | null };

export type ActivationDetailQueryVariables = Exact<{
  package?: string | null | undefined;
  action: string;
  id: string | number;
}>;


export type ActivationDetailQuery = { activation: { id: string, name: string, status: ActivationStatus | null, success: boolean | null, result: unknown, logs: Array<string>, startedAt: string | null, endedAt: string | null, durationMs: number | null } | null };

export type InvokeActionMutationVariables = Exact<{
  input: InvokeActionInput;
}>;


export type InvokeActionMutation = { invokeAction: { activationId: string, completed: boolean, activation: { id: string, status: ActivationStatus | null, success: boolean | null, result: unknown, logs: Array<string>, durationMs: number | null } | null } };

export type StartRunMutationVariables = Exact<{
  package?: string | null | undefined;
  action: string;
  params?: unknown;
}>;


export type StartRunMutation = { invokeAction: { activationId: string, completed: boolean } };

export type ActivationCompletedSubscriptionVariables = Exact<{
  package?: string | null | undefined;
  action: string;
  id: string | number;
}>;


export type ActivationCompletedSubscription = { activationCompleted: { id: string, status: ActivationStatus | null, success: boolean | null, result: unknown, logs: Array<string>, durationMs: number | null } };


export const ServerHistoryDocument = {"__meta__":{"hash":"sha256:1e8a5e0f9fcf01c7f8727ee4f65dc1cdf83bbfe1f1365ff503e2c21832320d2e"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"ServerHistory"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"id"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"first"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"after"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"server"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"id"},"value":{"kind":"Variable","name":{"kind":"Name","value":"id"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"instanceActions"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"Variable","name":{"kind":"Name","value":"first"}}},{"kind":"Argument","name":{"kind":"Name","value":"after"},"value":{"kind":"Variable","name":{"kind":"Name","value":"after"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"nodes"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"requestId"}},{"kind":"Field","name":{"kind":"Name","value":"action"}},{"kind":"Field","name":{"kind":"Name","value":"startedAt"}},{"kind":"Field","name":{"kind":"Name","value":"message"}},{"kind":"Field","name":{"kind":"Name","value":"events"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"event"}},{"kind":"Field","name":{"kind":"Name","value":"result"}},{"kind":"Field","name":{"kind":"Name","value":"startedAt"}},{"kind":"Field","name":{"kind":"Name","value":"finishedAt"}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"pageInfo"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"hasNextPage"}},{"kind":"Field","name":{"kind":"Name","value":"endCursor"}}]}}]}}]}}]}}]} as unknown as DocumentNode<ServerHistoryQuery, ServerHistoryQueryVariables>;
export const ConsoleTriggersDocument = {"__meta__":{"hash":"sha256:72e935f1d642d9b9eec8e3647ccf9284fde15754037b4ac9e2e3260e221c7346"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"ConsoleTriggers"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"triggers"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"type"}},{"kind":"Field","name":{"kind":"Name","value":"description"}},{"kind":"Field","name":{"kind":"Name","value":"cron"}},{"kind":"Field","name":{"kind":"Name","value":"actions"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"package"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}}]}}]}}]}}]}}]} as unknown as DocumentNode<ConsoleTriggersQuery, ConsoleTriggersQueryVariables>;
export const TriggerDetailDocument = {"__meta__":{"hash":"sha256:a8beabb5c2d8a9c6baa19a6812db4073a15f85e178159163234a5ae5cf108d7d"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"TriggerDetail"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"name"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"page"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"pageSize"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"trigger"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"name"},"value":{"kind":"Variable","name":{"kind":"Name","value":"name"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"type"}},{"kind":"Field","name":{"kind":"Name","value":"description"}},{"kind":"Field","name":{"kind":"Name","value":"parameters"}},{"kind":"Field","name":{"kind":"Name","value":"cron"}},{"kind":"Field","name":{"kind":"Name","value":"options"}},{"kind":"Field","name":{"kind":"Name","value":"resourceId"}},{"kind":"Field","name":{"kind":"Name","value":"actions"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"package"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"activations"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"page"},"value":{"kind":"Variable","name":{"kind":"Name","value":"page"}}},{"kind":"Argument","name":{"kind":"Name","value":"pageSize"},"value":{"kind":"Variable","name":{"kind":"Name","value":"pageSize"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"totalCount"}},{"kind":"Field","name":{"kind":"Name","value":"page"}},{"kind":"Field","name":{"kind":"Name","value":"hasNextPage"}},{"kind":"Field","name":{"kind":"Name","value":"nodes"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"success"}},{"kind":"Field","name":{"kind":"Name","value":"durationMs"}},{"kind":"Field","name":{"kind":"Name","value":"startedAt"}}]}}]}}]}}]}}]} as unknown as DocumentNode<TriggerDetailQuery, TriggerDetailQueryVariables>;
export const NamespaceActivationsDocument = {"__meta__":{"hash":"sha256:c95553ab3c38ed959bb06db8b79d76859ba834241ccc727062b988b6ffc9cca7"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"NamespaceActivations"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"page"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"pageSize"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"since"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"DateTime"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"until"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"DateTime"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"activations"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"page"},"value":{"kind":"Variable","name":{"kind":"Name","value":"page"}}},{"kind":"Argument","name":{"kind":"Name","value":"pageSize"},"value":{"kind":"Variable","name":{"kind":"Name","value":"pageSize"}}},{"kind":"Argument","name":{"kind":"Name","value":"since"},"value":{"kind":"Variable","name":{"kind":"Name","value":"since"}}},{"kind":"Argument","name":{"kind":"Name","value":"until"},"value":{"kind":"Variable","name":{"kind":"Name","value":"until"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"totalCount"}},{"kind":"Field","name":{"kind":"Name","value":"page"}},{"kind":"Field","name":{"kind":"Name","value":"hasNextPage"}},{"kind":"Field","name":{"kind":"Name","value":"nodes"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"success"}},{"kind":"Field","name":{"kind":"Name","value":"durationMs"}},{"kind":"Field","name":{"kind":"Name","value":"startedAt"}},{"kind":"Field","name":{"kind":"Name","value":"action"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"package"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}}]}}]}}]}}]}}]}}]} as unknown as DocumentNode<NamespaceActivationsQuery, NamespaceActivationsQueryVariables>;
export const ActionCodeDocument = {"__meta__":{"hash":"sha256:25c208fe104205f37258e9ad793fac7732109effad3556f348a17db09c680abe"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"ActionCode"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"package"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"name"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"action"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"package"},"value":{"kind":"Variable","name":{"kind":"Name","value":"package"}}},{"kind":"Argument","name":{"kind":"Name","value":"name"},"value":{"kind":"Variable","name":{"kind":"Name","value":"name"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"type"}},{"kind":"Field","name":{"kind":"Name","value":"runtime"}},{"kind":"Field","name":{"kind":"Name","value":"code"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"kind"}},{"kind":"Field","name":{"kind":"Name","value":"main"}},{"kind":"Field","name":{"kind":"Name","value":"binary"}},{"kind":"Field","name":{"kind":"Name","value":"source"}},{"kind":"Field","name":{"kind":"Name","value":"components"}},{"kind":"Field","name":{"kind":"Name","value":"imageUri"}}]}}]}}]}}]} as unknown as DocumentNode<ActionCodeQuery, ActionCodeQueryVariables>;
export const ActionTriggersDocument = {"__meta__":{"hash":"sha256:a92934359c8ce161e45abd2804b7b425615f7458cd96af802d88c3ff10869b35"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"ActionTriggers"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"package"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"name"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"action"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"package"},"value":{"kind":"Variable","name":{"kind":"Name","value":"package"}}},{"kind":"Argument","name":{"kind":"Name","value":"name"},"value":{"kind":"Variable","name":{"kind":"Name","value":"name"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"triggers"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"type"}},{"kind":"Field","name":{"kind":"Name","value":"cron"}}]}}]}}]}}]} as unknown as DocumentNode<ActionTriggersQuery, ActionTriggersQueryVariables>;
export const CreatePackageDocument = {"__meta__":{"hash":"sha256:b4dbae93ed77c5d22fbdf1a506b8dc52782447a4786463566f73c9b6c5c7a3f9"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"CreatePackage"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"CreatePackageInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"createPackage"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"description"}},{"kind":"Field","name":{"kind":"Name","value":"parameters"}}]}}]}}]} as unknown as DocumentNode<CreatePackageMutation, CreatePackageMutationVariables>;
export const UpdatePackageDocument = {"__meta__":{"hash":"sha256:7d49a368c86d64069e83d4e5046e56bf08d2a9c799f9fef97eb948916f6e92e3"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"UpdatePackage"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"UpdatePackageInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"updatePackage"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"description"}},{"kind":"Field","name":{"kind":"Name","value":"parameters"}}]}}]}}]} as unknown as DocumentNode<UpdatePackageMutation, UpdatePackageMutationVariables>;
export const DeletePackageDocument = {"__meta__":{"hash":"sha256:c2955904b114d01011c7d85e65adb84e9e50a638d5348b421e27657e255f55db"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"DeletePackage"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"name"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"deletePackage"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"name"},"value":{"kind":"Variable","name":{"kind":"Name","value":"name"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"platform"}}]}}]}}]} as unknown as DocumentNode<DeletePackageMutation, DeletePackageMutationVariables>;
export const CreateActionDocument = {"__meta__":{"hash":"sha256:b49b2b0147e1d1e6b99deac3a041cd1493d8303a7b5605b797f6fe850640d3f4"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"CreateAction"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"CreateActionInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"createAction"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"type"}},{"kind":"Field","name":{"kind":"Name","value":"runtime"}},{"kind":"Field","name":{"kind":"Name","value":"description"}},{"kind":"Field","name":{"kind":"Name","value":"parameters"}},{"kind":"Field","name":{"kind":"Name","value":"limits"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"timeoutMs"}},{"kind":"Field","name":{"kind":"Name","value":"memoryMb"}}]}}]}}]}}]} as unknown as DocumentNode<CreateActionMutation, CreateActionMutationVariables>;
export const UpdateActionDocument = {"__meta__":{"hash":"sha256:888dd2eb9f27002802a853b0a5a85a5971a0241643f51bdb377518b4e44ccadf"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"UpdateAction"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"UpdateActionInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"updateAction"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"type"}},{"kind":"Field","name":{"kind":"Name","value":"runtime"}},{"kind":"Field","name":{"kind":"Name","value":"description"}},{"kind":"Field","name":{"kind":"Name","value":"parameters"}},{"kind":"Field","name":{"kind":"Name","value":"limits"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"timeoutMs"}},{"kind":"Field","name":{"kind":"Name","value":"memoryMb"}}]}}]}}]}}]} as unknown as DocumentNode<UpdateActionMutation, UpdateActionMutationVariables>;
export const DeleteActionDocument = {"__meta__":{"hash":"sha256:1e1737af797c33478a47184b04237eb9e8488bc8370c6b0298713ff564c2c85f"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"DeleteAction"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"package"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"name"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"deleteAction"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"package"},"value":{"kind":"Variable","name":{"kind":"Name","value":"package"}}},{"kind":"Argument","name":{"kind":"Name","value":"name"},"value":{"kind":"Variable","name":{"kind":"Name","value":"name"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"package"}},{"kind":"Field","name":{"kind":"Name","value":"platform"}}]}}]}}]} as unknown as DocumentNode<DeleteActionMutation, DeleteActionMutationVariables>;
export const CreateTriggerDocument = {"__meta__":{"hash":"sha256:fe2edb1b4015fb278dafd769b3c0194ccc7459d33b3da4c14e56984eb6922e90"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"CreateTrigger"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"CreateTriggerInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"createTrigger"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"type"}},{"kind":"Field","name":{"kind":"Name","value":"description"}},{"kind":"Field","name":{"kind":"Name","value":"parameters"}},{"kind":"Field","name":{"kind":"Name","value":"cron"}}]}}]}}]} as unknown as DocumentNode<CreateTriggerMutation, CreateTriggerMutationVariables>;
export const UpdateTriggerDocument = {"__meta__":{"hash":"sha256:cc027cf0c660410cc47c17cff8a11c9f406fdce458837a391ffbc9c6305a481a"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"UpdateTrigger"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"UpdateTriggerInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"updateTrigger"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"type"}},{"kind":"Field","name":{"kind":"Name","value":"description"}},{"kind":"Field","name":{"kind":"Name","value":"parameters"}},{"kind":"Field","name":{"kind":"Name","value":"cron"}}]}}]}}]} as unknown as DocumentNode<UpdateTriggerMutation, UpdateTriggerMutationVariables>;
export const DeleteTriggerDocument = {"__meta__":{"hash":"sha256:3b3b68fa77dd62a1e79665914cd9097f8c62954fb4f1a5b891a8a5d63a9b4271"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"DeleteTrigger"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"name"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"deleteTrigger"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"name"},"value":{"kind":"Variable","name":{"kind":"Name","value":"name"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"platform"}}]}}]}}]} as unknown as DocumentNode<DeleteTriggerMutation, DeleteTriggerMutationVariables>;
export const LinkTriggerDocument = {"__meta__":{"hash":"sha256:66900719f6048eaa3b069fadf2814320254b9e5d60776d2e47a0827769d043fd"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"LinkTrigger"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"trigger"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"package"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"action"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"linkTrigger"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"trigger"},"value":{"kind":"Variable","name":{"kind":"Name","value":"trigger"}}},{"kind":"Argument","name":{"kind":"Name","value":"package"},"value":{"kind":"Variable","name":{"kind":"Name","value":"package"}}},{"kind":"Argument","name":{"kind":"Name","value":"action"},"value":{"kind":"Variable","name":{"kind":"Name","value":"action"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"actions"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}}]}}]}}]}}]} as unknown as DocumentNode<LinkTriggerMutation, LinkTriggerMutationVariables>;
export const UnlinkTriggerDocument = {"__meta__":{"hash":"sha256:9d1a72667b4337c0d4ace05da7bb7c5f43a184e6b3bda167787c268cf6af9dc8"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"UnlinkTrigger"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"trigger"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"package"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"action"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"unlinkTrigger"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"trigger"},"value":{"kind":"Variable","name":{"kind":"Name","value":"trigger"}}},{"kind":"Argument","name":{"kind":"Name","value":"package"},"value":{"kind":"Variable","name":{"kind":"Name","value":"package"}}},{"kind":"Argument","name":{"kind":"Name","value":"action"},"value":{"kind":"Variable","name":{"kind":"Name","value":"action"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"actions"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}}]}}]}}]}}]} as unknown as DocumentNode<UnlinkTriggerMutation, UnlinkTriggerMutationVariables>;
export const FireTriggerDocument = {"__meta__":{"hash":"sha256:1fa6a67ca2d4feef2417c37cd0c54a75463153d7cc218efceae5e8486e286ff6"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"FireTrigger"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"name"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"params"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"JSON"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"fireTrigger"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"name"},"value":{"kind":"Variable","name":{"kind":"Name","value":"name"}}},{"kind":"Argument","name":{"kind":"Name","value":"params"},"value":{"kind":"Variable","name":{"kind":"Name","value":"params"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"activationId"}},{"kind":"Field","name":{"kind":"Name","value":"trigger"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}}]}}]}}]}}]} as unknown as DocumentNode<FireTriggerMutation, FireTriggerMutationVariables>;
export const ListPackagesDocument = {"__meta__":{"hash":"sha256:23925a2168f27424ba39738f8b4f6a371d5c5f6cdd4b30da77e56954a11cf167"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"ListPackages"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"packages"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"description"}},{"kind":"Field","name":{"kind":"Name","value":"actions"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"runtime"}}]}}]}}]}}]} as unknown as DocumentNode<ListPackagesQuery, ListPackagesQueryVariables>;
export const PackageDetailDocument = {"__meta__":{"hash":"sha256:a440d8a51a8e8a9f23195a38fef2525c546d6233c5248071d7f5c330e530ad03"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"PackageDetail"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"name"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"package"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"name"},"value":{"kind":"Variable","name":{"kind":"Name","value":"name"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"description"}},{"kind":"Field","name":{"kind":"Name","value":"parameters"}},{"kind":"Field","name":{"kind":"Name","value":"actions"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"description"}},{"kind":"Field","name":{"kind":"Name","value":"type"}}]}}]}}]}}]} as unknown as DocumentNode<PackageDetailQuery, PackageDetailQueryVariables>;
export const ActionDetailDocument = {"__meta__":{"hash":"sha256:f3e5f2791cd644d31b6de4a714ab26a1bd6e6663128de22d2ad736072f5615b0"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"ActionDetail"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"package"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"name"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"page"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"pageSize"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"action"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"package"},"value":{"kind":"Variable","name":{"kind":"Name","value":"package"}}},{"kind":"Argument","name":{"kind":"Name","value":"name"},"value":{"kind":"Variable","name":{"kind":"Name","value":"name"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"description"}},{"kind":"Field","name":{"kind":"Name","value":"runtime"}},{"kind":"Field","name":{"kind":"Name","value":"limits"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"timeoutMs"}},{"kind":"Field","name":{"kind":"Name","value":"memoryMb"}}]}},{"kind":"Field","name":{"kind":"Name","value":"parameters"}},{"kind":"Field","name":{"kind":"Name","value":"activations"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"page"},"value":{"kind":"Variable","name":{"kind":"Name","value":"page"}}},{"kind":"Argument","name":{"kind":"Name","value":"pageSize"},"value":{"kind":"Variable","name":{"kind":"Name","value":"pageSize"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"totalCount"}},{"kind":"Field","name":{"kind":"Name","value":"page"}},{"kind":"Field","name":{"kind":"Name","value":"hasNextPage"}},{"kind":"Field","name":{"kind":"Name","value":"nodes"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"success"}},{"kind":"Field","name":{"kind":"Name","value":"durationMs"}}]}}]}}]}}]}}]} as unknown as DocumentNode<ActionDetailQuery, ActionDetailQueryVariables>;
export const ActivationDetailDocument = {"__meta__":{"hash":"sha256:1a774e9cb8034b60fe50c3b6a5156151b81cf222e8ed1dda41483661bd5b93b2"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"ActivationDetail"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"package"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"action"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"id"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"activation"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"package"},"value":{"kind":"Variable","name":{"kind":"Name","value":"package"}}},{"kind":"Argument","name":{"kind":"Name","value":"action"},"value":{"kind":"Variable","name":{"kind":"Name","value":"action"}}},{"kind":"Argument","name":{"kind":"Name","value":"id"},"value":{"kind":"Variable","name":{"kind":"Name","value":"id"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"success"}},{"kind":"Field","name":{"kind":"Name","value":"result"}},{"kind":"Field","name":{"kind":"Name","value":"logs"}},{"kind":"Field","name":{"kind":"Name","value":"startedAt"}},{"kind":"Field","name":{"kind":"Name","value":"endedAt"}},{"kind":"Field","name":{"kind":"Name","value":"durationMs"}}]}}]}}]} as unknown as DocumentNode<ActivationDetailQuery, ActivationDetailQueryVariables>;
export const InvokeActionDocument = {"__meta__":{"hash":"sha256:4efd597dc12ba69f42c0499384515dee1fe54392c2b6520becd592080ee1b7ca"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"InvokeAction"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"InvokeActionInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"invokeAction"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"activationId"}},{"kind":"Field","name":{"kind":"Name","value":"completed"}},{"kind":"Field","name":{"kind":"Name","value":"activation"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"success"}},{"kind":"Field","name":{"kind":"Name","value":"result"}},{"kind":"Field","name":{"kind":"Name","value":"logs"}},{"kind":"Field","name":{"kind":"Name","value":"durationMs"}}]}}]}}]}}]} as unknown as DocumentNode<InvokeActionMutation, InvokeActionMutationVariables>;
export const StartRunDocument = {"__meta__":{"hash":"sha256:f3dd7afa75c8307e57af55d23f36fc55b41b16906045cbb4eda43d3c678afc7b"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"StartRun"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"package"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"action"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"params"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"JSON"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"invokeAction"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"ObjectValue","fields":[{"kind":"ObjectField","name":{"kind":"Name","value":"package"},"value":{"kind":"Variable","name":{"kind":"Name","value":"package"}}},{"kind":"ObjectField","name":{"kind":"Name","value":"action"},"value":{"kind":"Variable","name":{"kind":"Name","value":"action"}}},{"kind":"ObjectField","name":{"kind":"Name","value":"params"},"value":{"kind":"Variable","name":{"kind":"Name","value":"params"}}},{"kind":"ObjectField","name":{"kind":"Name","value":"timeoutMs"},"value":{"kind":"IntValue","value":"0"}}]}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"activationId"}},{"kind":"Field","name":{"kind":"Name","value":"completed"}}]}}]}}]} as unknown as DocumentNode<StartRunMutation, StartRunMutationVariables>;
export const ActivationCompletedDocument = {"__meta__":{"hash":"sha256:066074ab5c8c2d8d8a71dd3333075b116e3897b69fea49f5d6eebbcc0de7f128"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"subscription","name":{"kind":"Name","value":"ActivationCompleted"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"package"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"action"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"id"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"activationCompleted"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"package"},"value":{"kind":"Variable","name":{"kind":"Name","value":"package"}}},{"kind":"Argument","name":{"kind":"Name","value":"action"},"value":{"kind":"Variable","name":{"kind":"Name","value":"action"}}},{"kind":"Argument","name":{"kind":"Name","value":"id"},"value":{"kind":"Variable","name":{"kind":"Name","value":"id"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"success"}},{"kind":"Field","name":{"kind":"Name","value":"result"}},{"kind":"Field","name":{"kind":"Name","value":"logs"}},{"kind":"Field","name":{"kind":"Name","value":"durationMs"}}]}}]}}]} as unknown as DocumentNode<ActivationCompletedSubscription, ActivationCompletedSubscriptionVariables>;