/**
 * preflight: the first module src/main.ts loads, before any other (and so before any dependency), so
 * that an older Node stops here with a sentence that says what to run instead of failing later,
 * somewhere inside a library, with a stack trace. Node 24 LTS is the runtime; 22.19 is the oldest it
 * accepts because undici 8 needs it (the `engines` field of package.json says the same, and
 * `engine-strict` in .npmrc makes `npm ci` refuse an older Node already). It imports nothing.
 */

/** The oldest Node the gateway runs on: undici 8's own minimum (package.json `engines` agrees). */
export const MIN_NODE_VERSION = '22.19.0';

/** Exit code of a gateway that did not start because of its environment (as for a bad configuration). */
export const PREFLIGHT_EXIT_CODE = 2;

/** Whether `version` (as in process.versions.node, e.g. `20.20.2`) is older than {@link MIN_NODE_VERSION}. */
export function nodeTooOld(version: string): boolean {
  const have = version.split('.').map((part) => Number.parseInt(part, 10));
  const need = MIN_NODE_VERSION.split('.').map(Number);
  for (let i = 0; i < need.length; i++) {
    const h = have[i] ?? 0;
    const n = need[i] ?? 0;
    if (Number.isNaN(h)) return true;
    if (h !== n) return h < n;
  }
  return false;
}

/** What the process says on stderr when its Node is too old: what it found, and the commands to run. */
export function tooOldMessage(version: string, execPath: string): string {
  return [
    `ncf-gateway needs Node.js 24 LTS (22.19 or later); this is Node v${version} (${execPath}).`,
    'Install Node 24 beside it (the system Node is left alone; nothing needs root) and put it first on PATH:',
    '  bash scripts/install-node.sh',
    '  export PATH="$(bash scripts/install-node.sh --bin):$PATH"',
    'then run `npm ci && npm start` again. The gateway did not start.',
    '',
  ].join('\n');
}

/** Stops the process when its Node is too old; returns otherwise. Injected for tests. */
export function preflight(
  version: string = process.versions.node,
  execPath: string = process.execPath,
  stop: (message: string) => void = (message) => {
    process.stderr.write(message);
    process.exit(PREFLIGHT_EXIT_CODE);
  },
): void {
  if (nodeTooOld(version)) stop(tooOldMessage(version, execPath));
}

preflight();
