// Demo data for `npm start` and for tests: the documented examples (package001, package003/action000),
// one action per activation outcome, an action in no package, a classic-platform package, a cron trigger
// on package001/hello, and some history so "recent activations" is not empty on a fresh start. The history's
// activation ids are fixed, so the README's examples (which read SEED_ACTIVATION_ID) run as written on every
// start.
import { buildRecord } from './invoker';
import type { ActionInput, EmulatorStore } from './store';

/** The newest seeded run of package003/action000 (2 minutes before start, 12 ms): the id the README's examples read. */
export const SEED_ACTIVATION_ID = '437a95a8ade56441a054f111f20c95c6';
/** Every seeded run of package003/action000, newest first (as the activation list answers them). */
export const SEED_ACTIVATION_IDS = [
  SEED_ACTIVATION_ID,
  '0f24d89e68681217924a50acd10ea664',
  '462222de80230a550d6bdb6fb00cb341',
] as const;

/** The seeded cron trigger: every minute it runs package001/hello with its own `name` parameter. */
export const SEED_TRIGGER = 'hello-every-minute';
const SEED_TRIGGER_DEFAULTS = {
  description: 'Greets every minute (a cron trigger linked to package001/hello)',
  parameters: { name: 'the every-minute trigger' },
};

const code = (lines: string[]): string => lines.join('\n');

/** How long examples/slow takes by default, as the README and the playground say: 3 s. */
export const SLOW_ACTION_MS = 3000;

/**
 * examples/slow: a run that outlives a short invoke wait. `ms` is how long it takes (default
 * SLOW_ACTION_MS); its description and log line say so. Its time limit stays 10 s.
 */
function slowAction(ms: number): ActionInput {
  const seconds = `${ms / 1000} second${ms === 1000 ? '' : 's'}`;
  return {
    packageName: 'examples',
    name: 'slow',
    description: `Answers after ${seconds}, longer than a short invoke wait`,
    limits: { timeout: 10000 },
    exec: {
      code: code([
        'function main() {',
        `  console.log('working for ${seconds}');`,
        `  return new Promise((resolve) => setTimeout(() => resolve({ done: true }), ${ms}));`,
        '}',
      ]),
    },
  };
}

const ACTIONS: ActionInput[] = [
  {
    packageName: 'package001',
    name: 'hello',
    description: 'Greets with the package default parameters',
    exec: {
      code: code([
        'function main(params) {',
        "  console.log('Saying hello to ' + params.name);",
        "  return { greeting: 'Hello, ' + params.name + ' from ' + params.place + '!' };",
        '}',
      ]),
    },
  },
  {
    packageName: 'package003',
    name: 'action000',
    description: 'The documented example action',
    exec: { code: code(['function main() {', "  return { payload: 'abc' };", '}']) },
  },
  {
    packageName: 'examples',
    name: 'echo',
    description: 'Returns its parameters',
    exec: { code: code(['exports.main = function (params) {', '  return params;', '};']) },
  },
  {
    packageName: 'examples',
    name: 'fail',
    description: 'Returns an error (application error)',
    exec: { code: code(['function main() {', "  return { error: 'Something went wrong' };", '}']) },
  },
  {
    packageName: 'examples',
    name: 'crash',
    description: 'Throws (action developer error)',
    exec: { code: code(['function main() {', "  throw new Error('Crash requested');", '}']) },
  },
  {
    packageName: 'examples',
    name: 'timeout',
    description: 'Sleeps past its 1000 ms time limit',
    limits: { timeout: 1000 },
    exec: {
      code: code([
        'function main() {',
        '  return new Promise((resolve) => setTimeout(() => resolve({ late: true }), 60000));',
        '}',
      ]),
    },
  },
  {
    packageName: 'examples',
    name: 'sum',
    description: 'Adds params.a and params.b',
    parameters: { a: 0, b: 0 },
    exec: {
      code: code([
        'module.exports.main = async function (params) {',
        '  const a = Number(params.a);',
        '  const b = Number(params.b);',
        "  console.log('a = ' + a);",
        "  console.log('b = ' + b);",
        '  return { sum: a + b };',
        '};',
      ]),
    },
  },
  {
    packageName: 'examples',
    name: 'python',
    description: 'A runtime the emulator does not run',
    exec: { kind: 'python:3.7', code: code(['def main(args):', "    return {'hello': 'python'}"]) },
  },
  {
    packageName: '-',
    name: 'ping',
    description: 'An action in no package',
    exec: { code: code(['function main() {', '  return { pong: true };', '}']) },
  },
  {
    packageName: 'legacy',
    name: 'status',
    description: 'A classic-platform action',
    exec: { kind: 'nodejs:14', code: code(['function main() {', "  return { platform: 'classic', ok: true };", '}']) },
  },
];

export interface SeedOptions {
  now: number;
  /** The namespace user of the emulator's first credential (never a key), as its own runs record. */
  subject: string;
  /** How long examples/slow takes (default SLOW_ACTION_MS, 3000 ms). */
  slowActionMs?: number;
}

export function seed(store: EmulatorStore, opts: SeedOptions): void {
  store.putPackage({
    name: 'package001',
    platform: 'vpc',
    description: 'Sample package',
    parameters: { name: 'Cloud Functions', place: 'NAVER Cloud' },
  });
  store.putPackage({ name: 'package003', platform: 'vpc', description: 'Documented example package' });
  store.putPackage({ name: 'examples', platform: 'vpc', description: 'One action per activation outcome' });
  store.putPackage({ name: 'legacy', platform: 'classic', description: 'Classic platform package' });
  for (const a of ACTIONS) store.putAction(a);
  store.putAction(slowAction(opts.slowActionMs ?? SLOW_ACTION_MS));
  // A cron trigger on package001/hello, so a fresh start shows a firing within a minute. Its runs are
  // counted apart from invokes (store.triggerRunsStarted) and land on hello, which no seed count covers.
  store.putTrigger({ name: SEED_TRIGGER, type: 'cron', cronOption: '* * * * *', ...SEED_TRIGGER_DEFAULTS });
  store.linkAction(SEED_TRIGGER, { packageName: 'package001', name: 'hello' });

  // Past runs of package003/action000, oldest first, so they list newest first.
  const action = store.getAction('package003', 'action000');
  if (!action) return;
  const history = [
    { id: SEED_ACTIVATION_IDS[2], ago: 24 * 60 * 60 * 1000, duration: 25 },
    { id: SEED_ACTIVATION_IDS[1], ago: 60 * 60 * 1000, duration: 7 },
    { id: SEED_ACTIVATION_IDS[0], ago: 2 * 60 * 1000, duration: 12 },
  ];
  for (const h of history) {
    const start = opts.now - h.ago;
    const record = buildRecord(store, action, h.id, opts.subject, {
      status: 'success',
      result: { payload: 'abc' },
      logs: [],
      start,
      end: start + h.duration,
      waitTime: 3,
      initTime: 1,
    });
    store.addActivation({ platform: 'vpc', packageName: 'package003', actionName: 'action000', record });
  }
}
