// Start-up of an emulator as a process of its own (`npx tsx src/emulators/<name>/cli.ts`): the listen
// address from the environment, a banner with the URL and the demo credentials, a clean stop on SIGINT or
// SIGTERM, and exit code 1 with the error when it cannot start.
import type { Logger } from './log';

/** Every log line on stdout. */
export const consoleLogger: Logger = (line) => console.log(line);

/**
 * `<PREFIX>_HOST` (default 127.0.0.1) and `<PREFIX>_PORT` (default `defaultPort`; 0 for any free port).
 * Throws on a port that is not an integer in 0-65535.
 */
export function listenAddressFromEnv(
  prefix: string,
  defaultPort: number,
  env: NodeJS.ProcessEnv = process.env,
): { host: string; port: number } {
  const raw = env[`${prefix}_PORT`];
  const port = Number(raw ?? defaultPort);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`${prefix}_PORT is not a port: ${raw}`);
  return { host: env[`${prefix}_HOST`] || '127.0.0.1', port };
}

/** Starts the emulator, prints `banner(emulator)`, and closes it and exits 0 on the first SIGINT or SIGTERM. */
export function runCli<E extends { close(): Promise<void> }>(
  start: () => Promise<E>,
  banner: (emulator: E) => string,
): void {
  const main = async (): Promise<void> => {
    const emulator = await start();
    console.log(banner(emulator));
    const stop = (): void => {
      void emulator.close().then(() => process.exit(0));
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  };
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
