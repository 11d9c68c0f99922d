/**
 * The real gateway process (src/main.ts, run by tsx) with its embedded emulators, for tests of what
 * only a process does: start-up, its log lines, signals and exit codes.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';

const ROOT = resolve(__dirname, '..', '..');
/**
 * Node's on-disk compile cache for the processes the tests start (each loads the same ~1,500 modules):
 * about a tenth less CPU per start once warm. It only caches V8's compiled code, keyed by each file's content.
 */
const COMPILE_CACHE = resolve(ROOT, 'node_modules', '.cache', 'ncf-gateway', 'node-compile-cache');

export interface GatewayProcess {
  child: ChildProcess;
  origin: string;
  /** Everything the process wrote so far (stdout and stderr). */
  output(): string;
}

/** Starts the gateway on a free port; resolves when it says it is ready, rejects if it exits first. */
export function startGatewayProcess(env: Record<string, string>): Promise<GatewayProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: ROOT,
    env: {
      ...process.env,
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      NCP_ACCESS_KEY: '',
      NCP_SECRET_KEY: '',
      OS_AUTH_URL: '',
      NODE_COMPILE_CACHE: COMPILE_CACHE,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (chunk) => (out += chunk));
  child.stderr!.on('data', (chunk) => (out += chunk));
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => {
      // Not left running (a process that starts later would outlive the test and keep Jest waiting).
      child.kill('SIGKILL');
      reject(new Error(`gateway did not start:\n${out}`));
    }, 30_000);
    const check = () => {
      // Whatever address it listens on, the test reaches it on loopback.
      const match = /Gateway ready: http:\/\/[^/]+:(\d+)\/graphql/.exec(out);
      if (match) {
        clearTimeout(timer);
        child.stdout!.off('data', check);
        resolvePromise({ child, origin: `http://127.0.0.1:${match[1]}`, output: () => out });
      }
    };
    child.stdout!.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`gateway exited early (${code}):\n${out}`));
    });
  });
}
