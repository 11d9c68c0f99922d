// Shared by the robustness tests of both emulators: hostile inputs (JSON nested far too deep, raw bytes
// no HTTP client would send) and a watch on the real process for errors that escaped the emulator. Both
// emulators may run inside the gateway's own process, so an unhandled rejection or uncaught exception
// there is a crash of the whole service.
import net from 'node:net';
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

/** Raw bytes on a fresh connection to 127.0.0.1:`port`; resolves with all the server sent before closing. */
export function rawRequest(port: number, bytes: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let out = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer; got ${JSON.stringify(out)}`));
    }, 5000);
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => (out += d));
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(out);
    });
    socket.on('error', () => undefined);
    socket.write(bytes, 'latin1');
  });
}

/**
 * For a whole test file: a watch on the real process around every test, and after each test (once pending
 * rejections and timers had their turn) the expectation that nothing escaped into it.
 */
export function expectNoProcessFailures(): void {
  let watch: ProcessWatch;
  beforeEach(() => {
    watch = watchProcessFailures();
  });
  afterEach(async () => {
    await settleEvents();
    watch.stop();
    expect(watch.failures).toEqual([]);
  });
}
