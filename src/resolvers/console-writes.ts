/**
 * console-writes: the functions console's package and action writes (issue 15), as Mutation resolvers.
 *
 * NCP's PUT is an upsert, so "create never overwrites, update never creates" is the gateway's own rule:
 * each write checks first, with fresh reads (never a shared or cached answer), and answers CONFLICT
 * (create, the thing exists) or NOT_FOUND (update, it does not). Every check of the input alone (names,
 * description size, limits, runtime kinds, code size, parameters, sequence component names) comes
 * before any upstream call; what needs the upstream (does the package exist, is a name taken, do the
 * components exist, which type does the action have) comes after, before the write. The client
 * invalidates what each write touched (src/upstream/cloudfunctions/client.ts).
 *
 * Names (docs/upstream/triggers.md#names): a package, an action in no package and a trigger may not
 * share a name, OpenWhisk's reading; the stricter reading (no action anywhere) is not enforced, and
 * whatever the upstream refuses beyond it comes back as its 409 (CONFLICT).
 */
import type {
  ActionCodeInput,
  ActionLimitsInput,
  ActionType,
  CreateActionInput,
  CreatePackageInput,
  MutationResolvers,
  UpdateActionInput,
  UpdatePackageInput,
  VpcLinkInput,
} from '../__generated__/resolvers-types';
import type { GatewayContext } from '../context';
import { badInput, refusals } from '../errors';
import { exceedsDepth, tooDeep } from '../pipeline/input';
import type { FunctionsCall } from '../upstream/cloudfunctions/client';
import { checkName, checkPackage, isValidName, NO_PACKAGE } from '../upstream/cloudfunctions/paths';
import type {
  ActionDetail,
  ActionKey,
  ActionSummary,
  ActionWrite,
  PackageKey,
  Platform,
} from '../upstream/cloudfunctions/types';
import { isPlainObject, platformOf, text, toGqlPlatform, toInt } from './values';

/** Description: at most 3000 bytes of UTF-8 (docs/upstream/cloud-functions.md, triggers.md#limits). */
export const MAX_DESCRIPTION_BYTES = 3000;
/** Default parameters: at most 1 MB of JSON (the emulator reads it as 1 MiB). */
export const MAX_PARAMETERS_BYTES = 1024 * 1024;
/** Code: 38 MB, text or binary before base64 (the emulator reads it as 38 MiB). */
export const MAX_CODE_BYTES = 38 * 1024 * 1024;
export const TIMEOUT_RANGE_MS = [500, 300_000] as const;
export const MEMORY_SIZES_MB = [128, 256, 512, 1024] as const;
export const DEFAULT_TIMEOUT_MS = 60_000;
/** The public console's default since 2026-09 (docs/upstream/cloud-functions.md). */
export const DEFAULT_MEMORY_MB = 128;
/** OpenWhisk's actionSequenceLimit (the emulator's bound; NCP documents none). */
export const MAX_COMPONENTS = 50;
/** The runtime guide's current IDs (`custom image` with a space, as NCP spells it). */
export const RUNTIME_KINDS = [
  'nodejs:22',
  'python:3.13',
  'java',
  'java:21',
  'swift:3.1.1',
  'php:7.3',
  'go:1.19',
  'dotnet:2.2',
  'custom image',
] as const;
/** Retired on 2025-09-18: an existing action keeps one, a new code may not name one. */
const RETIRED_KINDS = new Set([
  'nodejs:6',
  'nodejs:8',
  'nodejs:12',
  'nodejs:16',
  'python:3.6',
  'python:3.7',
  'python:3.11',
  'php:7.1',
  'go:1.11',
]);

type UpstreamType = ActionWrite['type'];
const TYPES: Record<ActionType, UpstreamType> = {
  BASIC: 'basic',
  WEB: 'web',
  SEQUENCE: 'sequence',
  SEQUENCE_WEB: 'sequence-web',
};
const isSequence = (type: UpstreamType) => type === 'sequence' || type === 'sequence-web';

const utf8Bytes = (value: string) => Buffer.byteLength(value, 'utf8');

function checkDescription(value: string | null | undefined): void {
  if (typeof value === 'string' && utf8Bytes(value) > MAX_DESCRIPTION_BYTES) {
    throw badInput(`description must be at most ${MAX_DESCRIPTION_BYTES} bytes of UTF-8.`);
  }
}

function checkParameters(value: unknown, ctx: GatewayContext): Record<string, unknown> | undefined {
  if (value === undefined || value === null) return undefined;
  if (!isPlainObject(value)) throw badInput('parameters must be a JSON object.');
  if (exceedsDepth(value, ctx.maxInputDepth)) throw tooDeep('parameters', ctx.maxInputDepth);
  if (utf8Bytes(JSON.stringify(value)) > MAX_PARAMETERS_BYTES) {
    throw badInput('parameters must be at most 1 MB as JSON.');
  }
  return value;
}

function checkLimits(limits: ActionLimitsInput | null | undefined): void {
  const timeout = limits?.timeoutMs;
  if (timeout !== undefined && timeout !== null) {
    if (!Number.isInteger(timeout) || timeout < TIMEOUT_RANGE_MS[0] || timeout > TIMEOUT_RANGE_MS[1]) {
      throw badInput(`limits.timeoutMs must be from ${TIMEOUT_RANGE_MS[0]} to ${TIMEOUT_RANGE_MS[1]}.`);
    }
  }
  const memory = limits?.memoryMb;
  if (memory !== undefined && memory !== null && !(MEMORY_SIZES_MB as readonly number[]).includes(memory)) {
    throw badInput(`limits.memoryMb must be one of ${MEMORY_SIZES_MB.join(', ')}.`);
  }
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** The code input, checked, as the upstream's `exec`. */
function checkCode(code: ActionCodeInput): ActionWrite['exec'] {
  const kind = code.kind;
  if (RETIRED_KINDS.has(kind)) {
    throw badInput(`The runtime ${kind} is retired: use one of ${RUNTIME_KINDS.join(', ')}.`);
  }
  if (!(RUNTIME_KINDS as readonly string[]).includes(kind)) {
    throw badInput(`Unknown runtime kind "${kind}": use one of ${RUNTIME_KINDS.join(', ')}.`);
  }
  const binary = code.binary ?? false;
  const custom = kind === 'custom image';
  if (custom && !code.imageUri) throw badInput('code.imageUri is required for the custom image runtime.');
  if (!custom && code.imageUri) throw badInput('code.imageUri applies to the custom image runtime only.');
  if (code.imageUri && (code.imageUri.length > 1024 || !code.imageUri.includes('/'))) {
    throw badInput('code.imageUri must be a Container Registry image, registry/image:tag.');
  }
  const source = code.source ?? undefined;
  if (!custom && (source === undefined || source === '')) throw badInput('code.source is required.');
  if ((kind.startsWith('java') || kind.startsWith('dotnet')) && !binary) {
    throw badInput(`The ${kind} runtime takes a binary (a base64 jar or zip): set code.binary.`);
  }
  if (source !== undefined) {
    if (binary && (source.length % 4 !== 0 || !BASE64.test(source))) {
      throw badInput('code.source must be base64 when code.binary is true.');
    }
    const padding = binary ? (source.endsWith('==') ? 2 : source.endsWith('=') ? 1 : 0) : 0;
    const size = binary ? (source.length / 4) * 3 - padding : utf8Bytes(source);
    if (size > MAX_CODE_BYTES) throw badInput('code.source must be at most 38 MB (a binary before base64).');
  }
  const main = code.main ?? 'main';
  if (main === '' || main.length > 256) throw badInput('code.main must be 1 to 256 characters.');
  return {
    kind,
    ...(source !== undefined ? { code: source } : {}),
    main,
    binary,
    ...(code.imageUri ? { imageUri: code.imageUri } : {}),
  };
}

/** Component names, checked: `package/action`, `-/action` or `action`, as `package/action` (`-` for none). */
function checkComponents(components: readonly string[]): string[] {
  if (components.length < 1 || components.length > MAX_COMPONENTS) {
    throw badInput(`components must list 1 to ${MAX_COMPONENTS} actions.`);
  }
  return components.map((component) => {
    const parts = component.split('/');
    const [pkg, action] = parts.length === 1 ? [NO_PACKAGE, parts[0]!] : [parts[0]!, parts[1] ?? ''];
    if (parts.length > 2 || !isValidName(action) || (pkg !== NO_PACKAGE && !isValidName(pkg))) {
      throw badInput(`Invalid sequence component "${component}": use package/action, or action for one in no package.`);
    }
    return `${pkg}/${action}`;
  });
}

function checkVpc(vpc: readonly VpcLinkInput[]): Array<{ vpcNo: number; subnetNo: number }> {
  for (const link of vpc) {
    if (!Number.isInteger(link.vpcNo) || link.vpcNo < 1 || !Number.isInteger(link.subnetNo) || link.subnetNo < 1) {
      throw badInput('vpc entries need a positive vpcNo and subnetNo.');
    }
  }
  return vpc.map((link) => ({ vpcNo: link.vpcNo, subnetNo: link.subnetNo }));
}

/** What a field does not apply to: code, limits and parameters to sequences, components to others. */
function checkFieldsFor(type: UpstreamType, input: CreateActionInput | UpdateActionInput, what: string): void {
  const refuse = (field: string) => badInput(`${field} does not apply to ${what}, which is of type ${type}.`);
  if (isSequence(type)) {
    for (const field of ['code', 'limits', 'parameters', 'vpc'] as const) {
      if (input[field] !== undefined && input[field] !== null) throw refuse(field);
    }
  } else if (input.components !== undefined && input.components !== null) {
    throw refuse('components');
  }
  if (type !== 'web') {
    for (const field of ['rawHttp', 'customOptions'] as const) {
      if (input[field] !== undefined && input[field] !== null) throw refuse(field);
    }
  }
}

const callOf = (ctx: GatewayContext): FunctionsCall => ({
  signal: ctx.signal,
  deadline: ctx.deadline,
  trace: ctx.trace,
  fresh: true,
});

const label = (key: ActionKey) =>
  key.package === NO_PACKAGE ? `The action "${key.action}"` : `The action "${key.package}/${key.action}"`;

/** NCP requires a package, a trigger and an action in no package to have different names. */
async function checkNameFree(
  name: string,
  platform: Platform,
  skip: 'package' | 'action',
  ctx: GatewayContext,
): Promise<void> {
  const call = callOf(ctx);
  if (skip !== 'package' && (await ctx.functions.getPackage({ platform, package: name }, call))) {
    throw refusals.nameTaken(name, 'a package');
  }
  if (skip !== 'action' && (await ctx.functions.getAction({ platform, package: NO_PACKAGE, action: name }, call))) {
    throw refusals.nameTaken(name, 'an action in no package');
  }
  if (await ctx.functions.getTrigger({ platform, trigger: name }, call)) {
    throw refusals.nameTaken(name, 'a trigger');
  }
}

async function checkComponentsExist(components: string[], platform: Platform, ctx: GatewayContext): Promise<void> {
  for (const component of components) {
    const slash = component.indexOf('/');
    const key = { platform, package: component.slice(0, slash), action: component.slice(slash + 1) };
    if (!(await ctx.functions.getAction(key, callOf(ctx)))) throw refusals.missingComponent(component, platform);
  }
}

/** An action's type from its list item (v2.1 `type`; v2.0 `web`) and its detail (a sequence's `exec.kind`). */
function typeOfAction(item: ActionSummary | undefined, detail: ActionDetail): UpstreamType | undefined {
  const sequence = detail.exec?.kind === 'sequence';
  const type = text(item?.type)?.toLowerCase();
  if (type === 'basic' || type === 'web' || type === 'sequence' || type === 'sequence-web') return type;
  const web = item?.web ?? undefined;
  if (typeof web === 'boolean') return sequence ? (web ? 'sequence-web' : 'sequence') : web ? 'web' : 'basic';
  return undefined;
}

/** The VPC links an action has: an array on v2.1, one object on v2.0. */
function currentVpc(vpc: unknown): Array<{ vpcNo: number; subnetNo: number }> {
  const links = Array.isArray(vpc) ? vpc : vpc && typeof vpc === 'object' ? [vpc] : [];
  return links.flatMap((link: unknown) => {
    if (!isPlainObject(link)) return [];
    const vpcNo = toInt(link.vpcNo);
    const subnetNo = toInt(link.subnetNo);
    return vpcNo !== null && subnetNo !== null ? [{ vpcNo, subnetNo }] : [];
  });
}

function forgetPackage(ctx: GatewayContext, key: PackageKey): void {
  ctx.loaders.functions.package.clear(key);
  ctx.loaders.functions.actions.clear(key);
  ctx.loaders.functions.packages.clear(key.platform);
}

function forgetAction(ctx: GatewayContext, key: ActionKey): void {
  forgetPackage(ctx, key);
  ctx.loaders.functions.action.clear(key);
  ctx.loaders.functions.triggerIndex.clear(key.platform);
  ctx.loaders.functions.triggers.clear(key.platform);
}

async function createPackage(input: CreatePackageInput, ctx: GatewayContext) {
  const key = { platform: platformOf(input.platform, ctx), package: checkName('package', input.name) };
  checkDescription(input.description);
  const parameters = checkParameters(input.parameters, ctx);
  if (await ctx.functions.getPackage(key, callOf(ctx)))
    throw refusals.alreadyExists(`The package "${key.package}"`, key.platform);
  await checkNameFree(key.package, key.platform, 'package', ctx);
  const detail = await ctx.functions.putPackage(
    key,
    {
      ...(typeof input.description === 'string' ? { description: input.description } : {}),
      ...(parameters ? { parameters } : {}),
    },
    callOf(ctx),
  );
  forgetPackage(ctx, key);
  return detail ? { ...key, detail } : key;
}

async function updatePackage(input: UpdatePackageInput, ctx: GatewayContext) {
  const key = { platform: platformOf(input.platform, ctx), package: checkName('package', input.name) };
  checkDescription(input.description);
  const parameters = checkParameters(input.parameters, ctx);
  const current = await ctx.functions.getPackage(key, callOf(ctx));
  if (!current) throw refusals.doesNotExist(`The package "${key.package}"`, key.platform);
  // The whole package: what the input omits is kept, what it sets to null is removed.
  const description = input.description === undefined ? (text(current.description) ?? '') : (input.description ?? '');
  const kept = isPlainObject(current.parameters) ? current.parameters : {};
  const detail = await ctx.functions.putPackage(
    key,
    { description, parameters: input.parameters === undefined ? kept : (parameters ?? {}) },
    callOf(ctx),
  );
  forgetPackage(ctx, key);
  return detail ? { ...key, detail } : key;
}

/** Everything about an action's input that needs no upstream call. */
function checkActionInput(input: CreateActionInput | UpdateActionInput, ctx: GatewayContext) {
  const key = {
    platform: platformOf(input.platform, ctx),
    package: checkPackage(input.package),
    action: checkName('action', input.name),
  };
  checkDescription(input.description);
  const parameters = checkParameters(input.parameters, ctx);
  checkLimits(input.limits);
  const exec = input.code ? checkCode(input.code) : undefined;
  const components = input.components ? checkComponents(input.components) : undefined;
  const vpc = input.vpc ? checkVpc(input.vpc) : undefined;
  return { key, parameters, exec, components, vpc };
}

async function createAction(input: CreateActionInput, ctx: GatewayContext) {
  const { key, parameters, exec, components, vpc } = checkActionInput(input, ctx);
  const type = TYPES[input.type ?? 'BASIC'];
  checkFieldsFor(type, input, label(key));
  if (isSequence(type) && !components) throw badInput('components is required for a sequence.');
  if (!isSequence(type) && !exec) throw badInput('code is required for a basic or web action.');

  if (key.package !== NO_PACKAGE && !(await ctx.functions.getPackage(key, callOf(ctx)))) {
    throw refusals.notFoundOn(`The package "${key.package}"`, key.platform);
  }
  if (await ctx.functions.getAction(key, callOf(ctx))) throw refusals.alreadyExists(label(key), key.platform);
  if (key.package === NO_PACKAGE) await checkNameFree(key.action, key.platform, 'action', ctx);
  if (components) await checkComponentsExist(components, key.platform, ctx);

  const write: ActionWrite = isSequence(type)
    ? {
        type,
        ...(typeof input.description === 'string' ? { description: input.description } : {}),
        exec: { kind: 'sequence', components: components! },
      }
    : {
        type,
        ...(typeof input.description === 'string' ? { description: input.description } : {}),
        ...(parameters ? { parameters } : {}),
        limits: {
          timeout: input.limits?.timeoutMs ?? DEFAULT_TIMEOUT_MS,
          memory: input.limits?.memoryMb ?? DEFAULT_MEMORY_MB,
        },
        exec: exec!,
        ...(vpc ? { vpc } : {}),
        ...(typeof input.rawHttp === 'boolean' ? { rawHttp: input.rawHttp } : {}),
        ...(typeof input.customOptions === 'boolean' ? { customOptions: input.customOptions } : {}),
      };
  const detail = await ctx.functions.putAction(key, write, callOf(ctx));
  forgetAction(ctx, key);
  return { ...key, summary: { name: key.action, type }, ...(detail ? { detail } : {}) };
}

async function updateAction(input: UpdateActionInput, ctx: GatewayContext) {
  const { key, parameters, exec, components, vpc } = checkActionInput(input, ctx);
  const asked = input.type ? TYPES[input.type] : undefined;
  if (asked) checkFieldsFor(asked, input, label(key));

  const current = await ctx.functions.getAction(key, callOf(ctx));
  if (!current) throw refusals.doesNotExist(label(key), key.platform);
  // A v2.1 detail does not carry the type; the package's action list does.
  const list = await ctx.functions.listActions(key, callOf(ctx));
  const type = typeOfAction(
    list?.find((a) => a.name === key.action),
    current,
  );
  if (!type) throw refusals.unusableCurrent(label(key), 'type');
  if (asked && asked !== type) throw refusals.immutableType(label(key), type, asked);
  checkFieldsFor(type, input, label(key));
  if (components) await checkComponentsExist(components, key.platform, ctx);

  const description = input.description === undefined ? (text(current.description) ?? '') : (input.description ?? '');
  let write: ActionWrite;
  if (isSequence(type)) {
    const kept = Array.isArray(current.exec?.components)
      ? current.exec.components.filter((c): c is string => typeof c === 'string')
      : [];
    write = { type, description, exec: { kind: 'sequence', components: components ?? kept } };
  } else {
    const now = current.exec ?? {};
    const keptExec = {
      kind: text(now.kind) ?? '',
      ...(typeof now.code === 'string' ? { code: now.code } : {}),
      main: text(now.main) ?? 'main',
      binary: now.binary === true,
      ...(typeof now.imageUri === 'string' ? { imageUri: now.imageUri } : {}),
    };
    if (!exec && !keptExec.kind) throw refusals.unusableCurrent(label(key), 'code');
    const keptParameters = isPlainObject(current.parameters) ? current.parameters : {};
    const keptVpc = currentVpc(current.vpc);
    const rawHttp = input.rawHttp ?? current['raw-http'] ?? undefined;
    const customOptions = input.customOptions ?? current['custom-options'] ?? undefined;
    write = {
      type,
      description,
      parameters: input.parameters === undefined ? keptParameters : (parameters ?? {}),
      limits: {
        timeout: input.limits?.timeoutMs ?? toInt(current.limits?.timeout) ?? DEFAULT_TIMEOUT_MS,
        memory: input.limits?.memoryMb ?? toInt(current.limits?.memory) ?? DEFAULT_MEMORY_MB,
      },
      exec: exec ?? keptExec,
      ...((vpc ?? keptVpc).length > 0 ? { vpc: vpc ?? keptVpc } : {}),
      ...(type === 'web' && typeof rawHttp === 'boolean' ? { rawHttp } : {}),
      ...(type === 'web' && typeof customOptions === 'boolean' ? { customOptions } : {}),
    };
  }
  const detail = await ctx.functions.putAction(key, write, callOf(ctx));
  forgetAction(ctx, key);
  return { ...key, summary: { name: key.action, type }, ...(detail ? { detail } : {}) };
}

export const consoleWrites: Pick<
  MutationResolvers,
  'createPackage' | 'updatePackage' | 'deletePackage' | 'createAction' | 'updateAction' | 'deleteAction'
> = {
  createPackage: (_root, { input }, ctx) => createPackage(input, ctx),
  updatePackage: (_root, { input }, ctx) => updatePackage(input, ctx),

  /** One call: the upstream says NOT_FOUND (80101) or CONFLICT (80109, the package has actions). */
  async deletePackage(_root, args, ctx) {
    const key = { platform: platformOf(args.platform, ctx), package: checkName('package', args.name) };
    await ctx.functions.deletePackage(key, callOf(ctx));
    forgetPackage(ctx, key);
    return { name: key.package, package: null, platform: toGqlPlatform(key.platform) };
  },

  createAction: (_root, { input }, ctx) => createAction(input, ctx),
  updateAction: (_root, { input }, ctx) => updateAction(input, ctx),

  /** One call: the upstream says NOT_FOUND (80301, or 80101 for its package). */
  async deleteAction(_root, args, ctx) {
    const key = {
      platform: platformOf(args.platform, ctx),
      package: checkPackage(args.package),
      action: checkName('action', args.name),
    };
    await ctx.functions.deleteAction(key, callOf(ctx));
    forgetAction(ctx, key);
    return {
      name: key.action,
      package: key.package === NO_PACKAGE ? null : key.package,
      platform: toGqlPlatform(key.platform),
    };
  },
};
