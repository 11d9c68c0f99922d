// Turns an invoke into an activation: merges parameters, runs the code in the pool (or refuses kinds the
// emulator cannot run), and writes the OpenWhisk-style record to the store once the run is over. The
// record is stored only when finished, so a running activation is "not found", as in OpenWhisk.
// The `subject` is the namespace user the signing credential belongs to, never the credential itself.
// A sequence runs its components one after the other, each fed the previous result, as OpenWhisk does: each
// component leaves its own record (caused by the sequence's), and the sequence's record lists their ids.
import { randomBytes } from 'node:crypto';
import type { RunOutcome, WorkerPool } from './runner';
import { parseRef, type EmulatorStore } from './store';
import {
  STATUS_CODES,
  type ActionEntity,
  type ActivationStatus,
  type ActivationRecord,
  type JsonObject,
  type PackageEntity,
  type RunOrigin,
} from './types';

export interface StartedActivation {
  activationId: string;
  /**
   * The stored record. It rejects only if even a whisk-internal-error record could not be stored, and that
   * rejection is already handled here, so a caller that never waits for it (timeout=0) leaves none unhandled.
   */
  done: Promise<ActivationRecord>;
}

const RECORD_FAILURE = 'The emulator failed to record the activation.';
/** OpenWhisk's bound on the actions one sequence may run, nested sequences included (actionSequenceLimit). */
export const MAX_SEQUENCE_RUNS = 50;

export interface RunOptions {
  /** The firing trigger's default parameters: above the action's, below the runtime parameters. */
  triggerParams?: JsonObject;
  /** The activation that caused this run (a trigger's or a sequence's). */
  cause?: string;
  /** Default 'invoke'. */
  origin?: RunOrigin;
  /** @internal set for the components of a sequence: counted with the sequence, not on their own. */
  component?: { runs: { count: number } };
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
    {
      key: 'limits',
      value: { concurrency: 1, logs: 10, memory: action.limits.memory, timeout: action.limits.timeout },
    },
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
      // The pool hands over the size of the JSON the worker encoded; refusals and the seed's small
      // results are encoded here (and this throws, to the invoker's guard, for a value JSON cannot hold).
      size: outcome.size ?? Buffer.byteLength(JSON.stringify(outcome.result)),
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

  /**
   * Runtime params win over a firing trigger's defaults, which win over action defaults, which win over
   * package defaults (the documented order: invoke > trigger > action > package).
   */
  start(
    action: ActionEntity,
    pkg: PackageEntity | undefined,
    invokeParams: JsonObject,
    subject: string,
    opts: RunOptions = {},
  ): StartedActivation {
    const activationId = newActivationId();
    const params = { ...(pkg?.parameters ?? {}), ...action.parameters, ...opts.triggerParams, ...invokeParams };
    if (!opts.component) this.store.noteRunStarted(opts.origin);

    let outcome: Promise<RunOutcome>;
    if (action.exec.components) {
      const runs = opts.component?.runs ?? { count: 0 };
      outcome = this.runSequence(action, activationId, params, subject, opts.origin ?? 'invoke', runs).catch(() =>
        this.refused('The emulator failed to run the action.', 'whisk internal error'),
      );
    } else if (!/^nodejs(:|$)/.test(action.exec.kind)) {
      outcome = Promise.resolve(this.refused('The emulator runs only nodejs actions.'));
    } else if (action.exec.binary) {
      outcome = Promise.resolve(this.refused('The emulator cannot run binary (zip) actions.'));
    } else {
      outcome = this.pool
        .run({ code: action.exec.code, main: action.exec.main, params, timeoutMs: action.limits.timeout })
        // The pool settles every run itself; this only guards the record against an emulator bug.
        .catch(() => this.refused('The emulator failed to run the action.', 'whisk internal error'));
    }

    const done = outcome.then((o) => this.record(action, activationId, subject, o, opts));
    done.catch(() => undefined);
    return { activationId, done };
  }

  /**
   * The components in order, each given the previous one's result (the first, the merged parameters); the
   * first failure ends the sequence with that component's outcome. The logs are the components' ids.
   */
  private async runSequence(
    sequence: ActionEntity,
    activationId: string,
    params: JsonObject,
    subject: string,
    origin: RunOrigin,
    runs: { count: number },
  ): Promise<RunOutcome> {
    const start = this.now();
    const logs: string[] = [];
    let input = params;
    let last: Pick<RunOutcome, 'status' | 'result'> = { status: 'success', result: params };
    for (const text of sequence.exec.components ?? []) {
      const ref = parseRef(text);
      const action = ref && this.store.getAction(ref.packageName, ref.name);
      if (!ref || !action) {
        last = { status: 'action developer error', result: { error: 'Sequence component does not exist.' } };
        break;
      }
      runs.count += 1;
      if (runs.count > MAX_SEQUENCE_RUNS) {
        last = { status: 'action developer error', result: { error: 'Too many actions in the sequence.' } };
        break;
      }
      const pkg = ref.packageName === '-' ? undefined : this.store.getPackage(ref.packageName);
      const child = this.start(action, pkg, input, subject, { cause: activationId, origin, component: { runs } });
      logs.push(child.activationId);
      const record = await child.done;
      last = { status: record.response.status, result: record.response.result };
      if (!record.response.success) break;
      input = record.response.result;
    }
    return { ...last, logs, start, end: Math.max(start, this.now()), waitTime: 0 };
  }

  /**
   * Stores the run's record. Should that fail (a result the record cannot hold), the run is recorded as
   * OpenWhisk records a run its own machinery lost: 'whisk internal error', with a fixed message.
   */
  private record(
    action: ActionEntity,
    activationId: string,
    subject: string,
    outcome: RunOutcome,
    opts: RunOptions,
  ): ActivationRecord {
    const where = {
      platform: action.platform,
      packageName: action.packageName,
      actionName: action.name,
      origin: opts.origin ?? 'invoke',
    };
    try {
      const record = buildRecord(this.store, action, activationId, subject, outcome);
      if (opts.cause !== undefined) record.cause = opts.cause;
      this.store.addActivation({ ...where, record });
      return record;
    } catch {
      const failed: RunOutcome = {
        status: 'whisk internal error',
        result: { error: RECORD_FAILURE },
        logs: outcome.logs,
        start: outcome.start,
        end: outcome.end,
        waitTime: outcome.waitTime,
      };
      const record = buildRecord(this.store, action, activationId, subject, failed);
      if (opts.cause !== undefined) record.cause = opts.cause;
      this.store.addActivation({ ...where, record });
      return record;
    }
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
