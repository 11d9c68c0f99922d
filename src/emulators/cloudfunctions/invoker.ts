// Turns an invoke into an activation: merges parameters, runs the code in the pool (or refuses kinds the
// emulator cannot run), and writes the OpenWhisk-style record to the store once the run is over. The
// record is stored only when finished, so a running activation is "not found", as in OpenWhisk.
import { randomBytes } from 'node:crypto';
import type { RunOutcome, WorkerPool } from './runner';
import type { EmulatorStore } from './store';
import { STATUS_CODES, type ActionEntity, type ActivationStatus, type ActivationRecord, type JsonObject, type PackageEntity } from './types';

export interface StartedActivation {
  activationId: string;
  done: Promise<ActivationRecord>;
}

export function newActivationId(): string {
  return randomBytes(16).toString('hex');
}

/** Builds a record; used for real runs and for the seed's pre-recorded history. */
export function buildRecord(
  store: EmulatorStore,
  action: ActionEntity,
  activationId: string,
  subject: string,
  outcome: RunOutcome,
): ActivationRecord {
  const annotations: ActivationRecord['annotations'] = [
    { key: 'path', value: store.actionPath(action.packageName, action.name) },
    { key: 'waitTime', value: outcome.waitTime },
    { key: 'kind', value: action.exec.kind },
    { key: 'timeout', value: outcome.timedOut === true },
    { key: 'limits', value: { concurrency: 1, logs: 10, memory: action.limits.memory, timeout: action.limits.timeout } },
  ];
  if (outcome.initTime !== undefined) annotations.push({ key: 'initTime', value: outcome.initTime });
  return {
    activationId,
    name: action.name,
    namespace: store.namespace,
    subject,
    version: '0.0.1',
    publish: false,
    start: outcome.start,
    end: outcome.end,
    duration: outcome.end - outcome.start,
    logs: outcome.logs,
    response: {
      status: outcome.status,
      statusCode: STATUS_CODES[outcome.status],
      success: outcome.status === 'success',
      result: outcome.result,
      size: Buffer.byteLength(JSON.stringify(outcome.result)),
    },
    annotations,
  };
}

export class Invoker {
  constructor(
    private readonly store: EmulatorStore,
    private readonly pool: WorkerPool,
    private readonly now: () => number,
  ) {}

  /** Invoke-time params win over action defaults, which win over package defaults (documented order). */
  start(action: ActionEntity, pkg: PackageEntity | undefined, invokeParams: JsonObject, subject: string): StartedActivation {
    const activationId = newActivationId();
    const params = { ...(pkg?.parameters ?? {}), ...action.parameters, ...invokeParams };
    this.store.noteRunStarted();

    let outcome: Promise<RunOutcome>;
    if (!/^nodejs(:|$)/.test(action.exec.kind)) {
      outcome = Promise.resolve(this.refused('The emulator runs only nodejs actions.'));
    } else if (action.exec.binary) {
      outcome = Promise.resolve(this.refused('The emulator cannot run binary (zip) actions.'));
    } else {
      outcome = this.pool
        .run({ code: action.exec.code, main: action.exec.main, params, timeoutMs: action.limits.timeout })
        // The pool settles every run itself; this only guards the record against an emulator bug.
        .catch(() => this.refused('The emulator failed to run the action.', 'whisk internal error'));
    }

    const done = outcome.then((o) => {
      const record = buildRecord(this.store, action, activationId, subject, o);
      this.store.addActivation({ platform: action.platform, packageName: action.packageName, actionName: action.name, record });
      return record;
    });
    return { activationId, done };
  }

  private refused(message: string, status: ActivationStatus = 'action developer error'): RunOutcome {
    const t = this.now();
    return {
      status,
      result: { error: message },
      logs: [],
      start: t,
      end: t,
      waitTime: 0,
    };
  }
}
