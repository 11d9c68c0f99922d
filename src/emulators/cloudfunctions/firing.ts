// Firing a trigger, over HTTP (POST /triggers/{t}) or on its cron schedule: one trigger activation, and one
// run of each linked action with the trigger's default parameters between the action's and the runtime
// ones (docs/upstream/triggers.md#firing). As in OpenWhisk, the trigger's record is written at once: its
// result is the payload it fired with, its `end` is the documented fixed 0, and each log line is one rule's
// JSON naming the run it started. Runs a trigger starts count in store.triggerRunsStarted, not runsStarted.
import type { CronFiring, CronHost } from './cron';
import { newActivationId, type Invoker } from './invoker';
import type { EmulatorStore } from './store';
import type { ActivationRecord, JsonObject, TriggerEntity } from './types';

export class TriggerFirer {
  constructor(
    private readonly store: EmulatorStore,
    private readonly invoker: Invoker,
    private readonly now: () => number,
  ) {}

  /** Fires the trigger; the caller has checked that it has linked actions. */
  fire(trigger: TriggerEntity, runtimeParams: JsonObject, subject: string): CronFiring {
    const activationId = newActivationId();
    const payload = { ...trigger.parameters, ...runtimeParams };
    const start = this.now();
    const runs: CronFiring['runs'] = [];
    const logs: string[] = [];
    for (const ref of trigger.actions) {
      const action = this.store.getAction(ref.packageName, ref.name);
      const rule = `${this.store.namespace}/${trigger.name}-${ref.packageName}-${ref.name}`;
      const path = this.store.actionPath(ref.packageName, ref.name);
      if (!action) {
        logs.push(
          JSON.stringify({ statusCode: 1, success: false, rule, action: path, error: 'The action does not exist.' }),
        );
        continue;
      }
      const pkg = ref.packageName === '-' ? undefined : this.store.getPackage(ref.packageName);
      const started = this.invoker.start(action, pkg, runtimeParams, subject, {
        triggerParams: trigger.parameters,
        cause: activationId,
        origin: 'trigger',
      });
      runs.push(started);
      logs.push(
        JSON.stringify({ statusCode: 0, success: true, activationId: started.activationId, rule, action: path }),
      );
    }
    this.store.addActivation({
      platform: trigger.platform,
      packageName: '',
      actionName: '',
      kind: 'trigger',
      triggerName: trigger.name,
      origin: 'trigger',
      record: this.record(trigger, activationId, subject, start, payload, logs),
    });
    return { trigger: trigger.name, activationId, runs };
  }

  private record(
    trigger: TriggerEntity,
    activationId: string,
    subject: string,
    start: number,
    payload: JsonObject,
    logs: string[],
  ): ActivationRecord {
    return {
      activationId,
      name: trigger.name,
      namespace: this.store.namespace,
      subject,
      version: '0.0.1',
      publish: false,
      start,
      end: 0,
      duration: 0,
      logs,
      response: {
        status: 'success',
        statusCode: 0,
        success: true,
        result: payload,
        size: Buffer.byteLength(JSON.stringify(payload)),
      },
      annotations: [{ key: 'path', value: `${this.store.namespace}/${trigger.name}` }],
    };
  }
}

/**
 * What the cron scheduler sees of the emulator: the cron triggers, and a firing with no runtime parameters
 * by `owner` (the namespace user of the first credential, as OpenWhisk's alarms fire with the namespace's
 * own key). A trigger with no linked action does not fire at all: OpenWhisk records nothing when no rule
 * is active, and NCP's fire answers 80512.
 */
export function cronHost(store: EmulatorStore, firer: TriggerFirer, owner: string): CronHost {
  return {
    cronTriggers: () =>
      new Map(
        store
          .listTriggers()
          .filter((t) => t.type === 'cron' && t.cronOption !== undefined)
          .map((t) => [t.name, t.cronOption!] as const),
      ),
    fire(name) {
      const trigger = store.getTrigger(name);
      if (!trigger || trigger.actions.length === 0) return undefined;
      return firer.fire(trigger, {}, owner);
    },
  };
}
