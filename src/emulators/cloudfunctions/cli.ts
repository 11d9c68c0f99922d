// Starts the emulator on its own: `npx tsx src/emulators/cloudfunctions/cli.ts`.
// Env: EMULATOR_PORT (default 8790), EMULATOR_HOST (default 127.0.0.1), EMULATOR_ACCESS_KEY and
// EMULATOR_SECRET_KEY (default demo keys, fine on a laptop and nowhere else).
import { startCloudFunctionsEmulator } from './index';

export const DEMO_ACCESS_KEY = 'emulator-access-key';
export const DEMO_SECRET_KEY = 'emulator-secret-key';

async function main(): Promise<void> {
  const port = Number(process.env.EMULATOR_PORT ?? 8790);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`EMULATOR_PORT is not a port: ${process.env.EMULATOR_PORT}`);
  const accessKey = process.env.EMULATOR_ACCESS_KEY || DEMO_ACCESS_KEY;
  const emulator = await startCloudFunctionsEmulator({
    host: process.env.EMULATOR_HOST || '127.0.0.1',
    port,
    credentials: [{ accessKey, secretKey: process.env.EMULATOR_SECRET_KEY || DEMO_SECRET_KEY }],
    logger: (line) => console.log(line),
  });
  console.log(`NCP Cloud Functions emulator: ${emulator.url} (v2.1 at /ncf/api/v2, v2.0 at /api/v2; access key ${accessKey})`);
  const stop = (): void => {
    void emulator.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
