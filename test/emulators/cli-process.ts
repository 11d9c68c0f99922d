// Runs an emulator CLI (src/emulators/<name>/cli.ts) as a child process, for the tests that check what
// only a real process shows: the banner it prints, how it stops on a signal, its exit code.
import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';

const ROOT = resolve(__dirname, '..', '..');

export interface CliProcess {
  child: ChildProcess;
  /** stdout and stderr so far. */
  output(): string;
  /** Resolves with how the process ended. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts `script` (relative to the repository root) with `env` on top of this process's environment. */
export function spawnCli(script: string, env: Record<string, string>): CliProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', script], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (chunk) => (out += chunk));
  child.stderr!.on('data', (chunk) => (out += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) =>
    child.once('exit', (code, signal) => r({ code, signal })),
  );
  return { child, output: () => out, exited };
}

/** Resolves with the output once it matches `pattern`; rejects if the process ends or 30 s pass first. */
export function waitForOutput(cli: CliProcess, pattern: RegExp): Promise<RegExpExecArray> {
  return new Promise((resolvePromise, reject) => {
    const timer = setInterval(() => {
      const match = pattern.exec(cli.output());
      if (match) {
        clearInterval(timer);
        clearTimeout(deadline);
        resolvePromise(match);
      }
    }, 25);
    const deadline = setTimeout(() => {
      clearInterval(timer);
      reject(new Error(`no ${pattern} in:\n${cli.output()}`));
    }, 30_000);
    void cli.exited.then(() => {
      const match = pattern.exec(cli.output());
      clearInterval(timer);
      clearTimeout(deadline);
      if (match) resolvePromise(match);
      else reject(new Error(`exited without ${pattern}:\n${cli.output()}`));
    });
  });
}

/** Kills the process if it is still running (SIGKILL after 5 s), for `finally` blocks. */
export async function killCli(cli: CliProcess): Promise<void> {
  if (cli.child.exitCode !== null || cli.child.signalCode !== null) return;
  cli.child.kill('SIGTERM');
  const timer = setTimeout(() => cli.child.kill('SIGKILL'), 5000);
  await cli.exited;
  clearTimeout(timer);
}

/** Runs `use` on a fresh CLI process and makes sure the process is gone afterwards, whatever `use` did. */
export async function withCli<T>(
  script: string,
  env: Record<string, string>,
  use: (cli: CliProcess) => Promise<T>,
): Promise<T> {
  const cli = spawnCli(script, env);
  try {
    return await use(cli);
  } finally {
    await killCli(cli);
  }
}
