// How each path generation shows the same entities. The differences are small but real (see
// docs/upstream/cloud-functions.md#actions): list items carry `type` on v2.1 but `runtime` + `web` on v2.0,
// `vpc` is an array on v2.1 and a single object on v2.0, and activation `duration` is a String on v2.0.
import type { EmulatorStore } from './store';
import type { ActionEntity, ActivationRecord, Generation, PackageEntity } from './types';

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
    exec: { kind: a.exec.kind, code: a.exec.code, main: a.exec.main, binary: a.exec.binary },
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
