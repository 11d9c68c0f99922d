// Demo data for `npm start` and tests, owned by the first configured user's project unless noted:
// - web-1 (SEED_SERVER_ID): the documented example, a `create` 3 days ago (event
//   compute__do_build_and_run_instance) and a `reboot` 1 day ago (events `schedule` and `compute_create`).
// - batch-1 (SEED_BUSY_SERVER_ID): 25 actions over 10 days to page through: create, 19 reboots, stop, start, a
//   failed resize (Error events with traceback and details, action message 'Error'), a lock (no events, so
//   updated_at is null), and a reboot still running (finish_time and result null).
// - locked-1 (SEED_LOCKED_SERVER_ID): every list/show answers 403.
// - foreign-1 (SEED_FOREIGN_SERVER_ID): in another project; 404 for non-admins, visible to admins.
// - gone-1 (SEED_DELETED_SERVER_ID): deleted; 404 below microversion 2.21, readable from it.
// Request ids are derived from the server name and position, so they are the same on every start; the one the
// README's examples read, web-1's reboot (SEED_REBOOT_REQUEST_ID), is also written out below.
import { hex32, uuidFrom } from './ids';
import type { ActionEventInput, ComputeStore } from './store';

export const SEED_SERVER_ID = '9f2a8a4e-6f6e-4a8e-9f4c-2b1d2f3c4d5e';
export const SEED_BUSY_SERVER_ID = '3c6d1e9b-2f4a-4b8e-a1d7-5e9f0c2b4a6d';
export const SEED_LOCKED_SERVER_ID = '7b1e4c2a-9d3f-4e6a-8b5c-1f2e3d4c5b6a';
export const SEED_FOREIGN_SERVER_ID = 'c4f8e2d1-7a6b-4c3d-9e8f-0a1b2c3d4e5f';
export const SEED_DELETED_SERVER_ID = 'e1d2c3b4-a596-4877-8a9b-0c1d2e3f4a5b';

/** The project and user owning foreign-1 (no configured user belongs to it). */
export const SEED_FOREIGN_PROJECT_ID = hex32('seed:foreign-project');
export const SEED_FOREIGN_USER_ID = hex32('seed:foreign-user');

/** Request id of the `index`-th action (0 = oldest) seeded on the server named `serverName`. */
export const seedRequestId = (serverName: string, index: number): string =>
  `req-${uuidFrom(`seed:${serverName}:${index}`)}`;

export const SEED_CREATE_REQUEST_ID = seedRequestId('web-1', 0);
/** web-1's reboot: the request id the README's examples read (what seedRequestId('web-1', 1) gives, written out). */
export const SEED_REBOOT_REQUEST_ID = 'req-bd8c673d-0ce1-408d-8a58-51dac9c8fbf2';
export const SEED_BUSY_ACTION_COUNT = 25;
export const SEED_RESIZE_REQUEST_ID = seedRequestId('batch-1', 22);
export const SEED_LOCK_REQUEST_ID = seedRequestId('batch-1', 23);
export const SEED_RUNNING_REQUEST_ID = seedRequestId('batch-1', 24);

export const NO_VALID_HOST = 'No valid host was found. There are not enough hosts available.';
export const SEED_TRACEBACK = [
  'Traceback (most recent call last):',
  '  File "/opt/stack/nova/nova/conductor/manager.py", line 1035, in _cold_migrate',
  '    task.execute()',
  '  File "/opt/stack/nova/nova/conductor/tasks/migrate.py", line 301, in _execute',
  '    selection_lists = self._schedule()',
  `nova.exception.NoValidHost: ${NO_VALID_HOST}`,
  '',
].join('\n');

const SECOND = 1000;
const HOUR = 3600 * SECOND;
const DAY = 24 * HOUR;

interface PlannedAction {
  action: string;
  /** How long before now it started, in ms. */
  ago: number;
  /** Event name, start offset and duration in ms (duration null: still running); optional failure. */
  events: Array<[string, number, number | null, { error?: boolean }?]>;
  /** A documented request id; default seedRequestId(server name, position). */
  requestId?: string;
}

function plan(store: ComputeStore, serverId: string, serverName: string, now: number, actions: PlannedAction[]): void {
  // Whole seconds of `now`, plus a per-action microsecond fraction, so the six fractional digits are realistic
  // and identical from one start to the next.
  const base = Math.floor(now / SECOND) * SECOND;
  actions.forEach((a, index) => {
    const micros = parseInt(hex32(`seed:${serverName}:${index}:us`).slice(0, 5), 16) % 1_000_000;
    const start = base - a.ago + micros / 1000;
    const events: ActionEventInput[] = a.events.map(([event, offset, duration, failure]) => ({
      event,
      startTime: start + offset,
      finishTime: duration === null ? null : start + offset + duration,
      result: duration === null ? null : failure?.error ? 'Error' : 'Success',
      traceback: failure?.error ? SEED_TRACEBACK : null,
      details: failure?.error ? NO_VALID_HOST : null,
    }));
    store.addAction(serverId, {
      action: a.action,
      requestId: a.requestId ?? seedRequestId(serverName, index),
      startTime: start,
      events,
    });
  });
}

const created = (ago: number): PlannedAction => ({
  action: 'create',
  ago,
  events: [['compute__do_build_and_run_instance', 620, 13_580]],
});

export function seed(store: ComputeStore, owner: { projectId: string; userId: string; now: number }): void {
  const { projectId, userId, now } = owner;

  store.addServer({ id: SEED_SERVER_ID, name: 'web-1', projectId, userId, host: 'compute-01' });
  plan(store, SEED_SERVER_ID, 'web-1', now, [
    created(3 * DAY),
    {
      action: 'reboot',
      ago: DAY,
      requestId: SEED_REBOOT_REQUEST_ID,
      events: [
        ['schedule', 110, 290],
        ['compute_create', 520, 8_480],
      ],
    },
  ]);

  store.addServer({
    id: SEED_BUSY_SERVER_ID,
    name: 'batch-1',
    projectId,
    userId,
    host: 'compute-02',
    status: 'REBOOT',
  });
  const reboots: PlannedAction[] = Array.from({ length: 19 }, (_, i) => ({
    action: 'reboot',
    ago: 9 * DAY - i * 10 * HOUR,
    events: [['compute_reboot_instance', 180, 6_200 + i * 37]],
  }));
  plan(store, SEED_BUSY_SERVER_ID, 'batch-1', now, [
    created(10 * DAY),
    ...reboots,
    { action: 'stop', ago: 20 * HOUR, events: [['compute_stop_instance', 150, 4_350]] },
    { action: 'start', ago: 18 * HOUR, events: [['compute_start_instance', 160, 3_900]] },
    {
      action: 'resize',
      ago: 6 * HOUR,
      events: [
        ['cold_migrate', 210, 1_290, { error: true }],
        ['conductor_migrate_server', 240, 1_180, { error: true }],
      ],
    },
    { action: 'lock', ago: 2 * HOUR, events: [] },
    { action: 'reboot', ago: 10 * 60 * SECOND, events: [['compute_reboot_instance', 170, null]] },
  ]);

  store.addServer({ id: SEED_LOCKED_SERVER_ID, name: 'locked-1', projectId, userId, host: 'compute-01', locked: true });
  plan(store, SEED_LOCKED_SERVER_ID, 'locked-1', now, [created(2 * DAY)]);

  store.addServer({
    id: SEED_FOREIGN_SERVER_ID,
    name: 'foreign-1',
    projectId: SEED_FOREIGN_PROJECT_ID,
    userId: SEED_FOREIGN_USER_ID,
    host: 'compute-03',
  });
  plan(store, SEED_FOREIGN_SERVER_ID, 'foreign-1', now, [created(4 * DAY)]);

  store.addServer({ id: SEED_DELETED_SERVER_ID, name: 'gone-1', projectId, userId, host: 'compute-02', deleted: true });
  plan(store, SEED_DELETED_SERVER_ID, 'gone-1', now, [
    created(5 * DAY),
    { action: 'delete', ago: 4 * DAY, events: [['compute_terminate_instance', 130, 2_870]] },
  ]);
}
