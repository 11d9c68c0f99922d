// Starts the emulator on its own: `npx tsx src/emulators/cloudfunctions/cli.ts`.
// Env: EMULATOR_PORT (default 8790), EMULATOR_HOST (default 127.0.0.1), EMULATOR_ACCESS_KEY and
// EMULATOR_SECRET_KEY (default demo keys, fine on a laptop and nowhere else).
import { consoleLogger, listenAddressFromEnv, runCli } from '../kit';
import { startCloudFunctionsEmulator, type CloudFunctionsEmulator } from './index';

export const DEMO_ACCESS_KEY = 'emulator-access-key';
export const DEMO_SECRET_KEY = 'emulator-secret-key';

const accessKey = (): string => process.env.EMULATOR_ACCESS_KEY || DEMO_ACCESS_KEY;

function start(): Promise<CloudFunctionsEmulator> {
  return startCloudFunctionsEmulator({
    ...listenAddressFromEnv('EMULATOR', 8790),
    credentials: [{ accessKey: accessKey(), secretKey: process.env.EMULATOR_SECRET_KEY || DEMO_SECRET_KEY }],
    logger: consoleLogger,
  });
}

const banner = (emulator: CloudFunctionsEmulator): string =>
  `NCP Cloud Functions emulator: ${emulator.url} (v2.1 at /ncf/api/v2, v2.0 at /api/v2; access key ${accessKey()})`;

if (require.main === module) runCli(start, banner);
