/**
 * triggers: reading NCP trigger details defensively (docs/upstream/triggers.md), since several of their
 * shapes are documented in more than one way or only inferred:
 *
 *   - `type`: `cron` on v2.1, `Cron` on v2.0 (compared case-insensitively);
 *   - `execOption`: v2.1 an array of `{key, value}`; v2.0 one `{key: "ncf_triggerOptions", value: [...]}`;
 *     a 2024 page says "map array"; a plain object map is accepted too (inferred);
 *   - `actions`: documented as String[]; the emulator writes `package/action` (`-/action` for one in no
 *     package), inferred. A bare `action` is read as in no package; with more than two segments the
 *     last two are taken (a namespace in front, inferred); an object `{name, path}` or `{action,
 *     package}` is read too (the link answer's form, inferred).
 */
import { NO_PACKAGE } from './paths';

export type GqlTriggerType =
  'CRON' | 'GITHUB' | 'INSIGHT' | 'OBJECT_STORAGE' | 'SOURCE_COMMIT' | 'SECRET_MANAGER' | 'API_GATEWAY' | 'OTHER';

const TYPES: Record<string, GqlTriggerType> = {
  cron: 'CRON',
  github: 'GITHUB',
  insight: 'INSIGHT',
  object_storage: 'OBJECT_STORAGE',
  source_commit: 'SOURCE_COMMIT',
  secret_manager: 'SECRET_MANAGER',
  api_gateway: 'API_GATEWAY',
  apigateway: 'API_GATEWAY',
};

/** The GraphQL type of an upstream trigger type, whatever its case or separator; OTHER when unknown. */
export function triggerTypeOf(value: unknown): GqlTriggerType {
  if (typeof value !== 'string') return 'OTHER';
  return (
    TYPES[
      value
        .trim()
        .toLowerCase()
        .replace(/[\s-]+/g, '_')
    ] ?? 'OTHER'
  );
}

export interface ActionRef {
  package: string;
  action: string;
}

/** `package/action`, `-/action` for one in no package: the key of Action.triggers' index. */
export function actionRefText(ref: ActionRef): string {
  return `${ref.package}/${ref.action}`;
}

function refOf(item: unknown): ActionRef | undefined {
  if (typeof item === 'string') {
    const parts = item.split('/').filter((p) => p !== '');
    if (parts.length === 0) return undefined;
    if (parts.length === 1) return { package: NO_PACKAGE, action: parts[0]! };
    return { package: parts[parts.length - 2]!, action: parts[parts.length - 1]! };
  }
  if (item && typeof item === 'object') {
    const o = item as Record<string, unknown>;
    const action = typeof o.action === 'string' ? o.action : typeof o.name === 'string' ? o.name : undefined;
    if (!action) return undefined;
    if (typeof o.package === 'string' && o.package !== '') return { package: o.package, action };
    // `{name, path}`: the path is `<namespace>/<package>`, or `<namespace>` alone for no package.
    const path = typeof o.path === 'string' ? o.path.split('/').filter((p) => p !== '') : [];
    return { package: path.length >= 2 ? path[path.length - 1]! : NO_PACKAGE, action };
  }
  return undefined;
}

/** The actions a trigger detail names, as `package/action` texts, in its order, each once. */
export function linkedActionRefs(actions: unknown): string[] {
  if (!Array.isArray(actions)) return [];
  const seen = new Set<string>();
  for (const item of actions) {
    const ref = refOf(item);
    if (ref) seen.add(actionRefText(ref));
  }
  return [...seen];
}

/** The same, as addresses. */
export function linkedActions(actions: unknown): ActionRef[] {
  return linkedActionRefs(actions).map((text) => {
    const slash = text.indexOf('/');
    return { package: text.slice(0, slash), action: text.slice(slash + 1) };
  });
}

/** Option keys whose values are credentials: never shown (the GitHub access token comes back in plain text). */
const SECRET_KEYS = /token|secret|password|credential/i;

function collect(value: unknown, into: Record<string, unknown>): void {
  if (Array.isArray(value)) {
    for (const item of value) collect(item, into);
    return;
  }
  if (!value || typeof value !== 'object') return;
  const o = value as Record<string, unknown>;
  if (typeof o.key === 'string' && 'value' in o) {
    // v2.0 wraps the entries in one `ncf_triggerOptions` entry.
    if (o.key === 'ncf_triggerOptions' && Array.isArray(o.value)) collect(o.value, into);
    else into[o.key] = o.value;
    return;
  }
  // A plain map (the "map array" reading).
  for (const [key, inner] of Object.entries(o)) into[key] = inner;
}

/** `execOption` read into one object, `{key: value}`, as the upstream sent it (credentials included: never shown). */
export function execOptionEntries(execOption: unknown): Record<string, unknown> {
  const all: Record<string, unknown> = {};
  collect(execOption, all);
  return all;
}

/** `execOption` read into one object, `{key: value}`, credentials replaced by `[redacted]`; null when empty. */
export function triggerOptions(execOption: unknown): Record<string, unknown> | null {
  const all: Record<string, unknown> = {};
  collect(execOption, all);
  const keys = Object.keys(all);
  if (keys.length === 0) return null;
  for (const key of keys) if (SECRET_KEYS.test(key)) all[key] = '[redacted]';
  return all;
}

/** A cron trigger's expression from its `execOption` (`cron`, or `cronOption` as PUT names it); null when absent. */
export function cronOf(execOption: unknown): string | null {
  const all: Record<string, unknown> = {};
  collect(execOption, all);
  const value = all.cron ?? all.cronOption;
  return typeof value === 'string' ? value : null;
}
