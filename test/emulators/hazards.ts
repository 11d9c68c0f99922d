// Shared by the robustness tests of both emulators: hostile inputs (JSON nested far too deep) and a watch on
// the real process for errors that escaped the emulator. Both emulators may run inside the gateway's own
// process, so an unhandled rejection or uncaught exception there is a crash of the whole service.
import { runInThisContext } from 'node:vm';

/**
 * `{"a":{"a":...{}...}}` with exactly `depth` nested objects (`{}` is depth 1), built as text so that the
 * test itself never needs a recursive serializer.
 */
export function nestedJson(depth: number): string {
  return '{"a":'.repeat(depth - 1) + '{}' + '}'.repeat(depth - 1);
}

/** The same shape as an object, built with a loop (JSON.parse would do too; this is plainer). */
export function nestedObject(depth: number): Record<string, unknown> {
  let value: Record<string, unknown> = {};
  for (let i = 1; i < depth; i += 1) value = { a: value };
  return value;
}

export interface ProcessWatch {
  /** One line per unhandledRejection / uncaughtException seen since the watch started. */
  readonly failures: string[];
  stop(): void;
}

/**
 * Listens on the real `process`. Jest gives each test file its own copy of the process object, whose
 * listeners never hear the events Node emits; `vm.runInThisContext` evaluates in Node's main context, where
 * `process` is the real one.
 */
export function watchProcessFailures(): ProcessWatch {
  const real = runInThisContext('process') as NodeJS.Process;
  const failures: string[] = [];
  const onRejection = (reason: unknown): void => {
    failures.push(`unhandledRejection: ${String(reason)}`);
  };
  const onException = (err: unknown): void => {
    failures.push(`uncaughtException: ${String(err)}`);
  };
  real.on('unhandledRejection', onRejection);
  real.on('uncaughtException', onException);
  return {
    failures,
    stop() {
      real.off('unhandledRejection', onRejection);
      real.off('uncaughtException', onException);
    },
  };
}

/** Lets pending rejections and timers surface before a test looks at its watch. */
export const settleEvents = (ms = 50): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
