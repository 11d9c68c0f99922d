// How each path generation shows the same entities. The differences are small but real (see
// docs/upstream/cloud-functions.md#actions): list items carry `type` on v2.1 but `runtime` + `web` on v2.0,
// `vpc` is an array on v2.1 and a single object on v2.0, and activation `duration` is a String on v2.0.
// Triggers (docs/upstream/triggers.md): `execOption` is an array of {key, value} on v2.1 and one
// {key: "ncf_triggerOptions", value: [...]} object on v2.0, and v2.0 capitalises the type ("Cron").
import { refText, type EmulatorStore } from './store';
import { EVENT_LINK_FIELD } from './trigger-validate';
import type { ActionEntity, ActionRef, ActivationRecord, Generation, PackageEntity, TriggerEntity } from './types';

const isWeb = (a: ActionEntity): boolean => a.type === 'web' || a.type === 'sequence-web';

export function packageListItem(p: PackageEntity): object {
  return { name: p.name, description: p.description };
}

export function actionListItem(gen: Generation, a: ActionEntity): object {
  return gen === 'v2.1'
    ? { name: a.name, description: a.description, type: a.type }
    : { name: a.name, description: a.description, runtime: a.exec.kind, web: isWeb(a) };
}

export function packageDetail(gen: Generation, p: PackageEntity, actions: ActionEntity[]): object {
  return {
    name: p.name,
    description: p.description,
    parameters: p.parameters,
    platform: p.platform,
    resourceId: p.resourceId,
    actions: actions.map((a) => actionListItem(gen, a)),
  };
}

export function packagePutResult(store: EmulatorStore, p: PackageEntity): object {
  return {
    name: p.name,
    description: p.description,
    namespace: store.namespace,
    parameters: p.parameters,
    resourceId: p.resourceId,
  };
}

export function actionDetail(gen: Generation, store: EmulatorStore, a: ActionEntity): Record<string, unknown> {
  const out: Record<string, unknown> = {
    name: a.name,
    description: a.description,
    parameters: a.parameters,
    limits: { timeout: a.limits.timeout, memory: a.limits.memory },
    exec: actionExec(a),
    resourceId: a.resourceId,
    vpc: gen === 'v2.1' ? a.vpc : (a.vpc[0] ?? {}),
    'custom-options': a.customOptions,
  };
  if (gen === 'v2.0') {
    out.path = store.actionPath(a.packageName, a.name);
    out.web = isWeb(a);
    out['raw-http'] = a.rawHttp;
  }
  return out;
}

/** A sequence shows its components instead of code (OpenWhisk's form); a custom image its imageUri. */
function actionExec(a: ActionEntity): Record<string, unknown> {
  if (a.exec.components) return { kind: 'sequence', components: [...a.exec.components], binary: false };
  const exec: Record<string, unknown> = {
    kind: a.exec.kind,
    code: a.exec.code,
    main: a.exec.main,
    binary: a.exec.binary,
  };
  if (a.exec.imageUri !== undefined) exec.imageUri = a.exec.imageUri;
  return exec;
}

const triggerType = (gen: Generation, t: TriggerEntity): string =>
  gen === 'v2.1' ? t.type : t.type.charAt(0).toUpperCase() + t.type.slice(1);

export function triggerListItem(gen: Generation, t: TriggerEntity): object {
  return { name: t.name, type: triggerType(gen, t) };
}

/** The type's options as {key, value} pairs; the GitHub token comes back in plain text, as NCP's does. */
function execOptions(t: TriggerEntity): Array<{ key: string; value: unknown }> {
  if (t.cronOption !== undefined) return [{ key: 'cron', value: t.cronOption }];
  if (t.github) {
    return [
      { key: 'events', value: t.github.events.join(',') },
      { key: 'repository', value: t.github.repository },
      { key: 'username', value: t.github.username },
      { key: 'accessToken', value: t.github.accessToken },
    ];
  }
  const field = EVENT_LINK_FIELD[t.type];
  return field && t.eventLinks ? [{ key: field, value: t.eventLinks }] : [];
}

export function triggerDetail(gen: Generation, t: TriggerEntity): object {
  const options = execOptions(t);
  const out: Record<string, unknown> = {
    name: t.name,
    type: triggerType(gen, t),
    description: t.description,
    parameters: t.parameters,
    resourceId: t.resourceId,
    actions: t.actions.map(refText),
    execOption: gen === 'v2.1' ? options : { key: 'ncf_triggerOptions', value: options },
  };
  if (t.link) out.link = { ...t.link };
  return out;
}

/** The rule record of a link (the gov v2.0 page's shape: action, namespace, status, trigger). */
export function linkRecord(store: EmulatorStore, t: TriggerEntity, ref: ActionRef): object {
  const actionPath = ref.packageName === '-' ? store.namespace : `${store.namespace}/${ref.packageName}`;
  return {
    action: { name: ref.name, path: actionPath },
    namespace: store.namespace,
    status: 'active',
    trigger: { name: t.name, path: store.namespace },
  };
}

export function activationDetail(gen: Generation, r: ActivationRecord): object {
  return gen === 'v2.1' ? r : { ...r, duration: String(r.duration) };
}

export function activationListItem(gen: Generation, r: ActivationRecord): object {
  return {
    activationId: r.activationId,
    duration: gen === 'v2.1' ? r.duration : String(r.duration),
    status: r.response.status,
  };
}
