// Starts the emulator on its own: `npx tsx src/emulators/compute/cli.ts`.
// Env: COMPUTE_EMULATOR_PORT (default 8792), COMPUTE_EMULATOR_HOST (default 127.0.0.1). The demo credentials
// below are fine on a laptop and nowhere else.
import { consoleLogger, listenAddressFromEnv, runCli } from '../kit';
import {
  startComputeEmulator,
  type ComputeEmulator,
  type ComputeEmulatorAppCredential,
  type ComputeEmulatorUser,
} from './index';
import {
  SEED_BUSY_SERVER_ID,
  SEED_CREATE_REQUEST_ID,
  SEED_DELETED_SERVER_ID,
  SEED_FOREIGN_SERVER_ID,
  SEED_LOCKED_SERVER_ID,
  SEED_REBOOT_REQUEST_ID,
  SEED_SERVER_ID,
} from './seed';

export const DEMO_USERS: ComputeEmulatorUser[] = [
  { name: 'demo', password: 'demo-password', project: 'demo' },
  { name: 'admin', password: 'admin-password', project: 'admin', roles: ['admin', 'member', 'reader'] },
];
export const DEMO_APPLICATION_CREDENTIALS: ComputeEmulatorAppCredential[] = [
  { id: 'demo-app-cred', secret: 'demo-app-secret', user: 'demo' },
];

function start(): Promise<ComputeEmulator> {
  return startComputeEmulator({
    ...listenAddressFromEnv('COMPUTE_EMULATOR', 8792),
    users: DEMO_USERS,
    applicationCredentials: DEMO_APPLICATION_CREDENTIALS,
    logger: consoleLogger,
  });
}

/** The URLs, the demo users and servers, and two curl commands to try (a token, then an action list). */
function banner(emulator: ComputeEmulator): string {
  const { authUrl, computeUrl } = emulator;
  const passwordAuth =
    '{"auth":{"identity":{"methods":["password"],"password":{"user":{"name":"demo","domain":{"id":"default"},' +
    '"password":"demo-password"}}}}}';
  return [
    `OpenStack compute emulator: ${emulator.url}`,
    `  OS_AUTH_URL=${authUrl}`,
    `  compute (catalog, RegionOne public): ${computeUrl}`,
    '  users (domain Default): demo / demo-password (project demo, member), ' +
      'admin / admin-password (project admin, admin)',
    '  application credential: demo-app-cred / demo-app-secret (user demo)',
    `  servers: web-1 ${SEED_SERVER_ID}, batch-1 ${SEED_BUSY_SERVER_ID} (25 actions), ` +
      `locked-1 ${SEED_LOCKED_SERVER_ID} (403),`,
    `           foreign-1 ${SEED_FOREIGN_SERVER_ID} (other project), gone-1 ${SEED_DELETED_SERVER_ID} (deleted, 2.21+)`,
    `  web-1 actions: create ${SEED_CREATE_REQUEST_ID}, reboot ${SEED_REBOOT_REQUEST_ID}`,
    '  try:',
    `    TOKEN=$(curl -si '${authUrl}/auth/tokens?nocatalog' -H 'content-type: application/json' \\`,
    `      -d '${passwordAuth}' \\`,
    "      | awk 'tolower($1)==\"x-subject-token:\" {print $2}' | tr -d '\\r')",
    `    curl -s ${computeUrl}/servers/${SEED_SERVER_ID}/os-instance-actions -H "X-Auth-Token: $TOKEN" ` +
      "-H 'OpenStack-API-Version: compute 2.84'",
  ].join('\n');
}

if (require.main === module) runCli(start, banner);
