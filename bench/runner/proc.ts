/**
 * proc: readings from /proc (Linux): the RSS of a process, the CPU time of all its threads and of
 * its main thread, and how busy the whole machine is. Its own module because these are the bench's
 * only source of memory and CPU figures, kept apart from the code that decides when to read them.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

const CLOCK_TICKS = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

export function rssBytes(pid: number): number | undefined {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/**
 * CPU time of a process, in microseconds: the scheduler's exact run time of each of its threads
 * (/proc/<pid>/task/<tid>/schedstat, ns). The tick-sampled utime + stime of /proc/<pid>/stat is the
 * fallback: it over-charges processes woken by timers, as the 20 ms cells are.
 */
export function cpuMicros(pid: number): number {
  try {
    let ns = 0;
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      try {
        ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
      } catch {
        // the thread ended
      }
    }
    return ns / 1000;
  } catch {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return ((Number(fields[11]) + Number(fields[12])) * 1e6) / CLOCK_TICKS;
    } catch {
      return 0;
    }
  }
}

/** Run time of the main thread (the event loop) alone, in microseconds. */
export function mainThreadMicros(pid: number): number {
  try {
    return Number(readFileSync(`/proc/${pid}/task/${pid}/schedstat`, 'utf8').split(' ')[0]) / 1000;
  } catch {
    return 0;
  }
}

/** Busy and total jiffies of the whole machine (first line of /proc/stat). */
export function machineTicks(): { busy: number; total: number } {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
    const values = line.trim().split(/\s+/).slice(1).map(Number);
    const total = values.reduce((a, b) => a + b, 0);
    const idle = (values[3] ?? 0) + (values[4] ?? 0);
    return { busy: total - idle, total };
  } catch {
    return { busy: 0, total: 0 };
  }
}

export class RssSampler {
  peak = 0;
  readonly #timer: NodeJS.Timeout;
  constructor(pid: number, everyMs = 200) {
    const sample = () => {
      const rss = rssBytes(pid);
      if (rss !== undefined && rss > this.peak) this.peak = rss;
    };
    sample();
    this.#timer = setInterval(sample, everyMs);
  }
  stop(pid: number): number {
    clearInterval(this.#timer);
    const rss = rssBytes(pid);
    if (rss !== undefined && rss > this.peak) this.peak = rss;
    return this.peak;
  }
}
