// Local stand-in for the NCP Cloud Functions REST API (both the v2.1 /ncf/api/v2 and the v2.0 /api/v2
// generations), with signature v2 checking and real execution of nodejs actions in worker threads.
// It shares no code with the gateway (see docs/upstream/emulators.md); its HTTP plumbing is the emulators'
// own kit (../kit).
import { safeLogger, serve, Traffic, type Served } from '../kit';
import { checkTimeScale, CronScheduler, type CronFiring } from './cron';
import { cronHost, TriggerFirer } from './firing';
import { Invoker } from './invoker';
import { WorkerPool } from './runner';
import { seed as loadSeed } from './seed';
import { clientErrorAnswer, createRequestHandler, type RecordedRequest } from './server';
import { EmulatorStore, NAMESPACE } from './store';

export type { RecordedRequest } from './server';
export { EmulatorStore } from './store';
export type { ActionInput, ActivationFilter, PackageInput, TriggerInput, VpcFault } from './store';
export type { CronFiring } from './cron';
export type {
  ActionEntity,
  ActionRef,
  ActivationRecord,
  ActivationStatus,
  PackageEntity,
  Platform,
  TriggerEntity,
  TriggerType,
} from './types';

export interface EmulatorCredential {
  accessKey: string;
  secretKey: string;
  /**
   * The namespace user this credential belongs to: recorded as the `subject` ("who activated") of the
   * activations it starts, and of the seeded history when it is the first credential. Default:
   * defaultSubject(i) for the i-th credential, so `ncf-emulator-user-1` for the first. It may not be any
   * configured access key or secret key: activation records are readable data, credentials are not.
   */
  subject?: string;
}

/**
 * The documented default subject of the i-th credential (0-based): `ncf-emulator-user-<i + 1>`, a user of
 * the emulator's namespace. It depends only on the credential's position, so it says nothing about the key.
 */
export const defaultSubject = (index: number): string => `${NAMESPACE}-user-${index + 1}`;

export interface CloudFunctionsEmulatorOptions {
  host?: string;
  port?: number;
  credentials: EmulatorCredential[];
  seed?: boolean;
  now?: () => number;
  pendingInvokeStatus?: 200 | 202;
  failedInvokeStatus?: 200 | 502;
  errorCodeAsNumber?: boolean;
  latencyMs?: number;
  workers?: number;
  /**
   * How long the seeded examples/slow action takes (default 3000 ms, as the README and the playground
   * say). Tests that only need a run outliving a short wait set it shorter.
   */
  slowActionMs?: number;
  logger?: (line: string) => void;
  /**
   * Emulator-only: runs cron schedules this many times faster than the emulator clock (default 1), e.g. 60
   * fires an every-minute trigger once a second. Tests that need exact firings pin `now` and call cron.tick().
   */
  cronTimeScale?: number;
  /**
   * Emulator-only: false runs no cron timer (schedules fire only on cron.tick()), for tests whose answers
   * must not depend on whether a minute boundary passed while they ran. Default true.
   */
  cronTimer?: boolean;
  /** Status of a fire-trigger answer: NCP does not document it, OpenWhisk answers 202. Default 200. */
  fireTriggerStatus?: 200 | 202;
}

export interface CloudFunctionsEmulator {
  readonly url: string;
  readonly port: number;
  readonly requests: RecordedRequest[];
  /** Requests being handled right now (arrived, not yet answered). */
  readonly inFlight: number;
  /** Highest inFlight seen since start or the last resetRequests(). */
  readonly peakInFlight: number;
  /** Clears `requests` (in place) and restarts peakInFlight from the current inFlight. */
  resetRequests(): void;
  countRequests(filter?: { method?: string; pathIncludes?: string; pathMatches?: RegExp }): number;
  readonly store: EmulatorStore;
  /** The cron scheduler: tick() fires what is due on the emulator clock now (after a test moved it). */
  readonly cron: { tick(): CronFiring[] };
  close(): Promise<void>;
}

export async function startCloudFunctionsEmulator(
  opts: CloudFunctionsEmulatorOptions,
): Promise<CloudFunctionsEmulator> {
  if (!opts.credentials || opts.credentials.length === 0) throw new Error('at least one credential is required');
  const slow = opts.slowActionMs;
  if (slow !== undefined && !(Number.isInteger(slow) && slow >= 1 && slow < 10_000)) {
    throw new Error('slowActionMs must be a whole number of milliseconds from 1 to 9999 (under its 10 s limit)');
  }
  const now = opts.now ?? Date.now;
  const timeScale = checkTimeScale(opts.cronTimeScale);
  const secrets = new Map(opts.credentials.map((c) => [c.accessKey, c.secretKey] as const));
  const subjectList = resolveSubjects(opts.credentials);
  // Like `secrets`, a repeated access key takes its last entry.
  const subjects = new Map(opts.credentials.map((c, i) => [c.accessKey, subjectList[i]!] as const));
  const log = safeLogger(opts.logger);
  const errorCodeAsNumber = opts.errorCodeAsNumber ?? false;

  const store = new EmulatorStore(now);
  if (opts.seed !== false) loadSeed(store, { now: now(), subject: subjectList[0]!, slowActionMs: opts.slowActionMs });
  const pool = new WorkerPool(opts.workers ?? 4, now);
  const invoker = new Invoker(store, pool, now);
  const firer = new TriggerFirer(store, invoker, now);
  const scheduler = new CronScheduler(
    cronHost(store, firer, subjectList[0]!),
    now,
    timeScale,
    log,
    opts.cronTimer !== false,
  );
  const traffic = new Traffic<RecordedRequest>();
  const handler = createRequestHandler({
    secrets,
    subjects,
    now,
    errorCodeAsNumber,
    latencyMs: opts.latencyMs ?? 0,
    log,
    traffic,
    deps: {
      store,
      invoker,
      now,
      pendingInvokeStatus: opts.pendingInvokeStatus ?? 202,
      failedInvokeStatus: opts.failedInvokeStatus ?? 502,
      firer,
      scheduler,
      fireTriggerStatus: opts.fireTriggerStatus ?? 200,
    },
  });

  // A schedule must not go on firing into an emulator that never started.
  const served = await serve({
    name: 'cloudfunctions-emulator',
    host: opts.host ?? '127.0.0.1',
    port: opts.port ?? 0,
    log,
    clientError: clientErrorAnswer(errorCodeAsNumber),
  }).catch((err: unknown) => {
    scheduler.close();
    throw err;
  });
  served.server.on('request', handler);
  return emulatorHandle(served, traffic, store, pool, scheduler);
}

/** What the caller holds: the address, the recorded traffic, the store, and close(). */
function emulatorHandle(
  served: Served,
  traffic: Traffic<RecordedRequest>,
  store: EmulatorStore,
  pool: WorkerPool,
  scheduler: CronScheduler,
): CloudFunctionsEmulator {
  let closing: Promise<void> | undefined;
  return {
    url: served.url,
    port: served.port,
    requests: traffic.requests,
    store,
    cron: { tick: () => scheduler.tick() },
    get inFlight() {
      return traffic.inFlight;
    },
    get peakInFlight() {
      return traffic.peakInFlight;
    },
    resetRequests() {
      traffic.reset();
    },
    countRequests(filter = {}) {
      const method = filter.method?.toUpperCase();
      return traffic.requests.filter(
        (r) =>
          (method === undefined || r.method === method) &&
          (filter.pathIncludes === undefined || r.path.includes(filter.pathIncludes)) &&
          (filter.pathMatches === undefined || filter.pathMatches.test(r.path)),
      ).length;
    },
    close() {
      closing ??= (async () => {
        scheduler.close();
        // Workers first: pending invokes settle, so their handlers can finish before the sockets go.
        await pool.close();
        await served.close();
      })();
      return closing;
    },
  };
}

/** Each credential's subject, checking that none would put a credential into the records. */
function resolveSubjects(credentials: EmulatorCredential[]): string[] {
  const keys = new Set(credentials.flatMap((c) => [c.accessKey, c.secretKey]));
  return credentials.map((c, i) => {
    const subject = c.subject ?? defaultSubject(i);
    if (typeof subject !== 'string' || subject === '') {
      throw new Error(`credential ${i + 1}: subject must be a non-empty string`);
    }
    // The message names the credential by position only: it must not echo the key it is about.
    if (keys.has(subject)) throw new Error(`credential ${i + 1}: subject must not be an access key or a secret key`);
    return subject;
  });
}
