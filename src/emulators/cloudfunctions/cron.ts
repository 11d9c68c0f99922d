// Cron triggers fire on schedule inside the emulator (docs/upstream/triggers.md#cron-triggers). The
// expression is NCP's 5-field crontab, parsed by croner (its "5-part" mode refuses seconds and years); the
// schedule is read in KST, as a third party reports NCP does. The scheduler runs on the emulator's own
// clock (`now`), so a test that pins the clock sees no firing until it moves it and calls tick(), and an
// emulator-only time scale can run the schedule faster than that clock (cronTimeScale).
//
// Like the rest of the emulator it may live inside the gateway's process: its timer never keeps the
// process alive, and nothing it does from the timer may throw.
import { Cron } from 'croner';
import type { Logger } from '../kit';
import { describeError } from '../kit';

/** The time zone NCP reads cron expressions in, per a third-party client (KST). */
export const CRON_TIME_ZONE = 'Asia/Seoul';
export const MAX_CRON_LENGTH = 100;

const NUMERIC_FIELD = /^[0-9*,/-]+$/;
const MONTHS = 'JAN|FEB|MAR|APR|MAY|JUN|JUL|AUG|SEP|OCT|NOV|DEC';
const DAYS = 'SUN|MON|TUE|WED|THU|FRI|SAT';
const NAMED_FIELD = (names: string): RegExp => new RegExp(`^(?:[0-9*,/-]|${names})+$`, 'i');
const FIELD_RULES = [NUMERIC_FIELD, NUMERIC_FIELD, NUMERIC_FIELD, NAMED_FIELD(MONTHS), NAMED_FIELD(DAYS)];
const FIELD_NAMES = ['minute', 'hour', 'day of month', 'month', 'day of week'];

/**
 * A parsed 5-field expression, or the reason it is not one. Only the classic crontab syntax is taken
 * (numbers, `*`, ranges, lists, steps, month and weekday names): croner's extensions (L, W, #, ?, +) and
 * nicknames (@daily) are not in NCP's documentation, so they are refused.
 */
export function parseCron(expression: string): { ok: true; cron: Cron } | { ok: false; reason: string } {
  if (expression.length > MAX_CRON_LENGTH) return { ok: false, reason: `longer than ${MAX_CRON_LENGTH} characters` };
  const fields = expression.trim().split(/\s+/);
  if (fields.length !== 5) {
    return { ok: false, reason: 'it needs 5 fields: minute hour day-of-month month day-of-week' };
  }
  for (let i = 0; i < 5; i += 1) {
    if (!FIELD_RULES[i]!.test(fields[i]!)) return { ok: false, reason: `the ${FIELD_NAMES[i]} field is not valid` };
  }
  try {
    return { ok: true, cron: new Cron(fields.join(' '), { paused: true, mode: '5-part', timezone: CRON_TIME_ZONE }) };
  } catch {
    return { ok: false, reason: 'a field is out of range or malformed' };
  }
}

/** The first time the expression matches strictly after `afterMs`, or undefined when it never will. */
export function nextCronTime(cron: Cron, afterMs: number): number | undefined {
  const next = cron.nextRun(new Date(afterMs));
  return next ? next.getTime() : undefined;
}

/** What the scheduler needs from the emulator. */
export interface CronHost {
  /** The cron expression of every cron trigger, by name. */
  cronTriggers(): Map<string, string>;
  /** Fires the trigger as its schedule does; answers what it started, or undefined when nothing ran. */
  fire(name: string): CronFiring | undefined;
}

export interface CronFiring {
  trigger: string;
  /** The trigger activation. */
  activationId: string;
  /** One per linked action: its activation id and its record once stored. */
  runs: Array<{ activationId: string; done: Promise<unknown> }>;
}

interface Entry {
  expression: string;
  cron: Cron;
  /** Scheduler time of the next firing; undefined when the expression never matches again. */
  next: number | undefined;
}

/** Real delays of the timer: never below MIN, doubling while the clock stands still, never above MAX. */
const MIN_DELAY_MS = 20;
const MAX_DELAY_MS = 60_000;

export class CronScheduler {
  private readonly entries = new Map<string, Entry>();
  private readonly origin: number;
  private timer: NodeJS.Timeout | undefined;
  private lastNow: number;
  private stalled = 0;
  private closed = false;

  /**
   * @param timeScale scheduler seconds per emulator-clock second (1: the real schedule). The scheduler's
   *   time is `origin + (now() - origin) * timeScale`; records keep the emulator clock.
   */
  constructor(
    private readonly host: CronHost,
    private readonly now: () => number,
    private readonly timeScale: number,
    private readonly log: Logger,
    /** false: no timer; schedules fire only when tick() is called. */
    private readonly timed = true,
  ) {
    this.origin = now();
    this.lastNow = this.origin;
    this.sync();
  }

  private schedulerNow(): number {
    return this.origin + (this.now() - this.origin) * this.timeScale;
  }

  /** Re-reads the cron triggers (after any trigger write): new ones scheduled, changed ones re-planned. */
  sync(): void {
    if (this.closed) return;
    const current = this.host.cronTriggers();
    for (const name of this.entries.keys()) if (!current.has(name)) this.entries.delete(name);
    const at = this.schedulerNow();
    for (const [name, expression] of current) {
      if (this.entries.get(name)?.expression === expression) continue;
      const parsed = parseCron(expression);
      if (!parsed.ok) {
        this.entries.delete(name);
        continue;
      }
      this.entries.set(name, { expression, cron: parsed.cron, next: nextCronTime(parsed.cron, at) });
    }
    this.arm();
  }

  /**
   * Fires every cron trigger whose next time has come on the scheduler's clock, once each however many
   * times were missed (like cron, no catching up), and plans its next time. The timer calls this; tests
   * that drive the clock themselves call it right after moving the clock.
   */
  tick(): CronFiring[] {
    if (this.closed) return [];
    const at = this.schedulerNow();
    const fired: CronFiring[] = [];
    for (const [name, entry] of [...this.entries].sort(([a], [b]) => a.localeCompare(b))) {
      if (entry.next === undefined || entry.next > at) continue;
      entry.next = nextCronTime(entry.cron, at);
      try {
        const firing = this.host.fire(name);
        if (firing) fired.push(firing);
      } catch (err) {
        this.log(`cloudfunctions-emulator: cron trigger ${name} failed to fire: ${describeError(err)}`);
      }
    }
    this.arm();
    return fired;
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private arm(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.closed || !this.timed) return;
    let next = Infinity;
    for (const e of this.entries.values()) if (e.next !== undefined && e.next < next) next = e.next;
    if (next === Infinity) return;
    const wait = (next - this.schedulerNow()) / this.timeScale;
    const backoff = Math.min(MAX_DELAY_MS, MIN_DELAY_MS * 2 ** this.stalled);
    const delay = Math.min(MAX_DELAY_MS, Math.max(wait, this.stalled > 0 ? backoff : MIN_DELAY_MS));
    this.timer = setTimeout(() => this.onTimer(), delay);
    this.timer.unref();
  }

  private onTimer(): void {
    try {
      const now = this.now();
      // A clock that stood still (a test pinned it) would otherwise wake the timer every few milliseconds.
      this.stalled = now === this.lastNow ? Math.min(this.stalled + 1, 12) : 0;
      this.lastNow = now;
      this.timer = undefined;
      this.tick();
    } catch (err) {
      this.log(`cloudfunctions-emulator: cron scheduler error: ${describeError(err)}`);
    }
  }
}

/** cronTimeScale: 1 (the real schedule) up to 86,400 (a day of schedule per second of the emulator clock). */
export function checkTimeScale(scale: number | undefined): number {
  if (scale === undefined) return 1;
  if (typeof scale !== 'number' || !Number.isFinite(scale) || scale < 1 || scale > 86_400) {
    throw new Error('cronTimeScale must be a number from 1 to 86400');
  }
  return scale;
}
