// Request parsing and validation. Everything here either returns a clean value or throws the ApiError the
// real service would answer with.
import { actionBodyMissingField, badRequest, jsonTooDeep } from './errors';
import { oneMonthBefore, parseKst } from './time';
import type { ActionEntity, ActionType, Generation, JsonObject, Platform, VpcLink } from './types';

/** The name rule of packages, actions and triggers (docs/upstream/cloud-functions.md#packages). */
export const NAME = /^[A-Za-z0-9_][A-Za-z0-9_-]{0,49}$/;
const UINT = /^\d{1,16}$/;
const ACTION_TYPES: readonly ActionType[] = ['basic', 'web', 'sequence', 'sequence-web'];
const MEMORY_SIZES = [128, 256, 512, 1024];
export const MAX_DESCRIPTION_BYTES = 3000;
export const MAX_INVOKE_TIMEOUT_MS = 60000;
const MAX_PAGE_SIZE = 100;

export const isPlainObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Query values: an empty `x=` counts as absent, the way most API gateways treat it. */
function param(q: URLSearchParams, name: string): string | undefined {
  const v = q.get(name);
  return v === null || v === '' ? undefined : v;
}

/** Package and action names; `allowDash` admits the literal '-' that means "no package". */
export function checkName(kind: 'package' | 'action' | 'trigger', name: string, allowDash = false): void {
  if (allowDash && name === '-') return;
  if (!NAME.test(name)) {
    throw badRequest(`Invalid ${kind} name '${name}': use 1-50 characters of [A-Za-z0-9_-], not starting with '-'.`);
  }
}

export function parsePlatform(gen: Generation, q: URLSearchParams): Platform {
  const v = param(q, 'platform');
  if (v === undefined) return gen === 'v2.1' ? 'vpc' : 'classic';
  if (v !== 'vpc' && v !== 'classic') throw badRequest(`Invalid platform '${v}': use 'vpc' or 'classic'.`);
  return v;
}

export function parseActionType(q: URLSearchParams): ActionType | undefined {
  const v = param(q, 'type');
  if (v === undefined) return undefined;
  if (!(ACTION_TYPES as readonly string[]).includes(v)) {
    throw badRequest(`Invalid type '${v}': use one of ${ACTION_TYPES.join(', ')}.`);
  }
  return v as ActionType;
}

export function parseInvokeTimeout(q: URLSearchParams): number {
  const v = param(q, 'timeout');
  if (v === undefined) return MAX_INVOKE_TIMEOUT_MS;
  if (!UINT.test(v) || Number(v) > MAX_INVOKE_TIMEOUT_MS) {
    throw badRequest(`Invalid timeout '${v}': use an integer between 0 and ${MAX_INVOKE_TIMEOUT_MS}.`);
  }
  return Number(v);
}

export interface Paging {
  pageNo: number;
  pageSize: number;
  since: number;
  upto: number;
}

function parseTime(gen: Generation, name: string, v: string, endOfSecond: boolean): number {
  if (gen === 'v2.1') {
    if (!UINT.test(v)) throw badRequest(`Invalid ${name} '${v}': use epoch milliseconds.`);
    return Number(v);
  }
  const ms = parseKst(v);
  if (ms === undefined) throw badRequest(`Invalid ${name} '${v}': use yyyy-MM-ddTHH:mm:ss (local time).`);
  // A v2.0 `end` names a whole second; include all of it.
  return endOfSecond ? ms + 999 : ms;
}

function parsePositive(q: URLSearchParams, name: string, fallback: number, max: number): number {
  const v = param(q, name);
  if (v === undefined) return fallback;
  if (!UINT.test(v) || Number(v) < 1 || Number(v) > max) {
    throw badRequest(`Invalid ${name} '${v}': use an integer between 1 and ${max}.`);
  }
  return Number(v);
}

/** pageNo/pageSize plus start/end, whose format depends on the generation (epoch ms vs KST string). */
export function parsePaging(gen: Generation, q: URLSearchParams, nowMs: number): Paging {
  const pageNo = parsePositive(q, 'pageNo', 1, 1_000_000);
  const pageSize = parsePositive(q, 'pageSize', 20, MAX_PAGE_SIZE);
  const start = param(q, 'start');
  const end = param(q, 'end');
  const since = start === undefined ? oneMonthBefore(nowMs) : parseTime(gen, 'start', start, false);
  const upto = end === undefined ? nowMs : parseTime(gen, 'end', end, true);
  if (since > upto) throw badRequest('start must not be later than end.');
  return { pageNo, pageSize, since, upto };
}

/**
 * The deepest nesting of objects and arrays any JSON document may have here (a bare `{}` is 1 level).
 * OpenWhisk's controller and invoker parse JSON with spray-json, whose parser refuses documents nested
 * deeper than 1000 levels (JsonParserSettings.maxDepth); the emulator draws the line at the same place.
 * It also keeps every value it holds shallow enough for JSON.stringify and structured clone, both of which
 * recurse and throw RangeError (call stack exhausted) a few thousand levels down.
 */
export const MAX_JSON_DEPTH = 1000;

/**
 * True when `text` opens more than `max` objects/arrays at once. A loop over the characters, never a
 * recursive walk: it is what guards the recursive serializers, so it must not overflow the stack itself.
 */
export function jsonNestsDeeperThan(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i += 1; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x7b || c === 0x5b) {
      depth += 1;
      if (depth > max) return true;
    } else if (c === 0x7d || c === 0x5d) {
      depth -= 1;
    }
  }
  return false;
}

/**
 * Empty body means "no fields"; anything else must be valid JSON, nested at most MAX_JSON_DEPTH levels.
 * A deeper body is refused with 400 before anything runs, and no activation is recorded: OpenWhisk's
 * controller unmarshals an invoke's (or a PUT's) entity with spray-json before it creates an activation, so
 * the depth failure there is a malformed-content rejection (400), not a failed run; the NCP envelope and
 * code 100 are the ones this emulator gives every other malformed body. (JSON.parse itself copes with any
 * depth; what would fail later are the serializations of the value: to the worker, of the record, of the
 * answer.)
 */
export function parseJsonBody(body: Buffer): unknown {
  const text = body.toString('utf8');
  if (text.trim() === '') return undefined;
  if (jsonNestsDeeperThan(text, MAX_JSON_DEPTH)) throw jsonTooDeep(MAX_JSON_DEPTH);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw badRequest('The request body is not valid JSON.');
  }
}

export function checkDescription(v: unknown, fail: (details: string) => Error): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string' || Buffer.byteLength(v, 'utf8') > MAX_DESCRIPTION_BYTES) {
    throw fail(`description must be a string of at most ${MAX_DESCRIPTION_BYTES} bytes`);
  }
  return v;
}

export function checkParameters(v: unknown, fail: (details: string) => Error): JsonObject | undefined {
  if (v === undefined || v === null) return undefined;
  if (!isPlainObject(v)) throw fail('parameters must be a JSON object');
  return v;
}

/** Parameters of an action or trigger: at most 1 MB as JSON (docs/upstream/cloud-functions.md#limits). */
export const MAX_PARAMETERS_BYTES = 1024 * 1024;

export interface PackageBody {
  description?: string;
  parameters?: JsonObject;
}

export function validatePackageBody(raw: unknown): PackageBody {
  const body = raw === undefined ? {} : raw;
  if (!isPlainObject(body)) throw badRequest('The request body must be a JSON object.');
  const out: PackageBody = {};
  const description = checkDescription(body.description, badRequest);
  const parameters = checkParameters(body.parameters, badRequest);
  if (description !== undefined) out.description = description;
  if (parameters !== undefined) out.parameters = parameters;
  return out;
}

/** The fields of an action a PUT body sets, as they are stored. */
export interface ActionBody extends Pick<
  ActionEntity,
  'description' | 'parameters' | 'limits' | 'exec' | 'vpc' | 'rawHttp' | 'customOptions'
> {
  /** v2.0 only: the `web` flag stands in for the v2.1 `type` query. */
  web?: boolean;
}

/** The runtime IDs of the runtime guide, current and deprecated (docs/upstream/cloud-functions.md#runtime-ids). */
export const RUNTIME_KINDS: readonly string[] = [
  'nodejs:22',
  'python:3.13',
  'java',
  'java:21',
  'swift:3.1.1',
  'php:7.3',
  'go:1.19',
  'dotnet:2.2',
  'custom image',
  'nodejs:6',
  'nodejs:8',
  'nodejs:12',
  'nodejs:16',
  'python:3.6',
  'python:3.7',
  'python:3.11',
  'php:7.1',
  'go:1.11',
];
/** Java and .NET code must be a binary (jar, zip) (documented). */
const BINARY_ONLY = /^(java|dotnet)(:|$)/;
/** Action code: 38 MB, text or the binary before base64 (docs/upstream/cloud-functions.md#limits). */
export const MAX_CODE_BYTES = 38 * 1024 * 1024;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
/** OpenWhisk's limit on the components of one sequence (actionSequenceLimit). */
export const MAX_SEQUENCE_COMPONENTS = 50;

/** Bytes of the binary a base64 text holds, or undefined when it is not base64. */
function base64Bytes(code: string): number | undefined {
  if (code.length % 4 !== 0 || !BASE64.test(code)) return undefined;
  const padding = code.endsWith('==') ? 2 : code.endsWith('=') ? 1 : 0;
  return (code.length / 4) * 3 - padding;
}

/** exec.kind, exec.binary and exec.code together: a known runtime, base64 for a binary, within 38 MB. */
function checkCode(kind: string, code: string, binary: boolean, fail: (details: string) => Error): void {
  if (!RUNTIME_KINDS.includes(kind)) throw fail(`exec.kind '${kind.slice(0, 50)}' is not a known runtime`);
  if (BINARY_ONLY.test(kind) && !binary) throw fail(`exec.binary must be true for the ${kind} runtime`);
  const size = binary ? base64Bytes(code) : Buffer.byteLength(code, 'utf8');
  if (size === undefined) throw fail('exec.code must be base64 when exec.binary is true');
  if (size > MAX_CODE_BYTES) throw fail(`exec.code must be at most ${MAX_CODE_BYTES} bytes`);
}

function checkParametersSize(parameters: JsonObject, fail: (details: string) => Error): void {
  if (Buffer.byteLength(JSON.stringify(parameters)) > MAX_PARAMETERS_BYTES) {
    throw fail(`parameters must be at most ${MAX_PARAMETERS_BYTES} bytes as JSON`);
  }
}

const isVpcLink = (v: unknown): v is VpcLink =>
  isPlainObject(v) && Number.isInteger(v.vpcNo) && Number.isInteger(v.subnetNo);

/**
 * The basic/web action body. Missing or malformed fields answer 80306 ACTION_BODY_MISSING_FIELD with the
 * field named in `details`, as in the one captured example ("limits.timeout is required").
 */
export function validateActionBody(gen: Generation, raw: unknown): ActionBody {
  if (raw !== undefined && !isPlainObject(raw)) throw badRequest('The request body must be a JSON object.');
  const body: JsonObject = raw ?? {};
  const fail = actionBodyMissingField;
  const limits = isPlainObject(body.limits) ? body.limits : {};
  const exec = isPlainObject(body.exec) ? body.exec : {};

  const description = checkDescription(body.description, fail) ?? '';
  const parameters = checkParameters(body.parameters, fail) ?? {};

  if (limits.timeout === undefined || limits.timeout === null) throw fail('limits.timeout is required');
  const timeout = limits.timeout;
  if (typeof timeout !== 'number' || !Number.isInteger(timeout) || timeout < 500 || timeout > 300000) {
    throw fail('limits.timeout must be an integer between 500 and 300000');
  }
  if (limits.memory === undefined || limits.memory === null) throw fail('limits.memory is required');
  const memory = limits.memory;
  if (typeof memory !== 'number' || !MEMORY_SIZES.includes(memory)) {
    throw fail(`limits.memory must be one of ${MEMORY_SIZES.join(', ')}`);
  }

  const requiredString = (field: 'kind' | 'code' | 'main'): string => {
    const v = exec[field];
    if (v === undefined || v === null || v === '') throw fail(`exec.${field} is required`);
    if (typeof v !== 'string') throw fail(`exec.${field} must be a string`);
    return v;
  };
  const kind = requiredString('kind');
  if (kind === 'sequence') throw fail("exec.kind 'sequence' needs type=sequence or sequence-web");
  const code = requiredString('code');
  const main = requiredString('main');
  if (exec.binary === undefined || exec.binary === null) throw fail('exec.binary is required');
  if (typeof exec.binary !== 'boolean') throw fail('exec.binary must be a boolean');
  checkCode(kind, code, exec.binary, fail);
  checkParametersSize(parameters, fail);
  let imageUri: string | undefined;
  if (kind === 'custom image') {
    const v = exec.imageUri;
    if (typeof v !== 'string' || v === '' || v.length > 512) throw fail('exec.imageUri is required for a custom image');
    imageUri = v;
  }

  let vpc: VpcLink[] = [];
  if (body.vpc !== undefined && body.vpc !== null) {
    if (gen === 'v2.1') {
      if (!Array.isArray(body.vpc) || !body.vpc.every(isVpcLink))
        throw fail('vpc must be an array of {vpcNo, subnetNo}');
      vpc = body.vpc.map((v: VpcLink) => ({ vpcNo: v.vpcNo, subnetNo: v.subnetNo }));
    } else {
      if (!isVpcLink(body.vpc)) throw fail('vpc must be an object {vpcNo, subnetNo}');
      vpc = [{ vpcNo: body.vpc.vpcNo, subnetNo: body.vpc.subnetNo }];
    }
  }
  const optionalBool = (field: string): boolean | undefined => {
    const v = body[field];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'boolean') throw fail(`${field} must be a boolean`);
    return v;
  };
  const rawHttp = optionalBool('raw-http') ?? false;
  const customOptions = optionalBool('custom-options') ?? false;
  const out: ActionBody = {
    description,
    parameters,
    limits: { timeout, memory },
    exec: { kind, code, main, binary: exec.binary },
    vpc,
    rawHttp,
    customOptions,
  };
  if (imageUri !== undefined) out.exec.imageUri = imageUri;
  if (gen === 'v2.0') {
    const web = optionalBool('web');
    if (web !== undefined) out.web = web;
  }
  return out;
}

export interface SequenceBody {
  description: string;
  /** "package/action" ("-" for no package), as given, in order. */
  components: string[];
  /** v2.0 only: `web` makes it sequence-web. */
  web?: boolean;
}

/**
 * The sequence body, `{description?, exec: {kind: "sequence", components: ["pkg/action", "-/action", ...]}}`,
 * with no code, limits or vpc (third-party; OpenWhisk's form). Parameters are refused, as v3 documents for
 * sequences. That the components exist is the route's to check.
 */
export function validateSequenceBody(gen: Generation, raw: unknown): SequenceBody {
  if (raw !== undefined && !isPlainObject(raw)) throw badRequest('The request body must be a JSON object.');
  const body: JsonObject = raw ?? {};
  const fail = actionBodyMissingField;
  const description = checkDescription(body.description, fail) ?? '';
  const params = body.parameters;
  if (params !== undefined && params !== null && !(isPlainObject(params) && Object.keys(params).length === 0)) {
    throw fail('parameters are not allowed on a sequence action');
  }
  const exec = isPlainObject(body.exec) ? body.exec : {};
  if (exec.kind !== undefined && exec.kind !== null && exec.kind !== 'sequence') {
    throw fail("exec.kind must be 'sequence' for a sequence action");
  }
  const components = exec.components;
  if (components === undefined || components === null) throw fail('exec.components is required');
  if (!Array.isArray(components) || components.length === 0 || components.length > MAX_SEQUENCE_COMPONENTS) {
    throw fail(`exec.components must be an array of 1 to ${MAX_SEQUENCE_COMPONENTS} actions`);
  }
  for (const c of components) {
    const [pkg, name, extra] = typeof c === 'string' ? c.split('/') : [];
    if (extra !== undefined || pkg === undefined || name === undefined || !(pkg === '-' || NAME.test(pkg))) {
      throw fail("exec.components must name actions as 'package/action' ('-/action' for no package)");
    }
    if (!NAME.test(name))
      throw fail("exec.components must name actions as 'package/action' ('-/action' for no package)");
  }
  const out: SequenceBody = { description, components: components as string[] };
  if (gen === 'v2.0' && body.web !== undefined && body.web !== null) {
    if (typeof body.web !== 'boolean') throw fail('web must be a boolean');
    out.web = body.web;
  }
  return out;
}

/** True when the v2.0 body describes a sequence (v2.0 has no type query: exec.kind says it). */
export const isSequenceBody = (raw: unknown): boolean =>
  isPlainObject(raw) && isPlainObject(raw.exec) && raw.exec.kind === 'sequence';
