/**
 * The Node version check (src/preflight.ts): which versions it refuses, the exact sentence it says,
 * and, in a real process started as src/main.ts with process.versions.node made to read 20.20.2,
 * that it runs before anything else (a bad configuration is not even read) and exits 2.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { MIN_NODE_VERSION, nodeTooOld, preflight, tooOldMessage } from '../../src/preflight';

const ROOT = resolve(__dirname, '..', '..');

const EXPECTED_20 = [
  'ncf-gateway needs Node.js 24 LTS (22.19 or later); this is Node v20.20.2 (/usr/bin/node).',
  'Install Node 24 beside it (the system Node is left alone; nothing needs root) and put it first on PATH:',
  '  bash scripts/install-node.sh',
  '  export PATH="$(bash scripts/install-node.sh --bin):$PATH"',
  'then run `npm ci && npm start` again. The gateway did not start.',
  '',
].join('\n');

describe('preflight', () => {
  it('needs 22.19.0, the minimum of undici 8, which package.json engines also names', () => {
    expect(MIN_NODE_VERSION).toBe('22.19.0');
    expect(require('../../package.json').engines).toEqual({ node: `>=${MIN_NODE_VERSION}` });
  });

  it.each([
    ['20.20.2', true],
    ['20.19.0', true],
    ['22.12.0', true],
    ['22.18.9', true],
    ['22.19.0', false],
    ['22.20.1', false],
    ['23.0.0', false],
    ['24.0.0', false],
    ['24.22.3', false],
    ['26.1.0', false],
    ['100.0.0', false],
    ['9.99.99', true],
    ['garbage', true],
  ])('Node %s is too old: %s', (version, tooOld) => {
    expect(nodeTooOld(version)).toBe(tooOld);
  });

  it('says what it found and the two commands to run', () => {
    expect(tooOldMessage('20.20.2', '/usr/bin/node')).toBe(EXPECTED_20);
  });

  it('stops only an older Node', () => {
    const stopped: string[] = [];
    preflight('20.20.2', '/usr/bin/node', (message) => stopped.push(message));
    preflight('24.22.3', '/opt/node/bin/node', (message) => stopped.push(message));
    preflight('22.19.0', '/opt/node/bin/node', (message) => stopped.push(message));
    expect(stopped).toEqual([EXPECTED_20]);
  });

  describe('in the gateway process', () => {
    let dir: string;
    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), 'preflight-'));
      // Loaded with --require before anything else: this process now reads as Node 20.20.2.
      const shim = "Object.defineProperty(process, 'versions', { value: { ...process.versions, node: '20.20.2' } });\n";
      writeFileSync(join(dir, 'node20.cjs'), shim);
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('on Node 20 says so before reading its configuration, and exits 2 without listening', () => {
      const run = spawnSync(
        process.execPath,
        ['--require', join(dir, 'node20.cjs'), '--import', 'tsx', 'src/main.ts'],
        {
          cwd: ROOT,
          // A configuration it would refuse with exit 2 and other words, were it read.
          env: {
            ...process.env,
            PORT: 'eighty',
            NODE_ENV: 'prod',
            NCP_ACCESS_KEY: '',
            NCP_SECRET_KEY: '',
            OS_AUTH_URL: '',
          },
          encoding: 'utf8',
          timeout: 30_000,
        },
      );
      expect(run.status).toBe(2);
      expect(run.stdout).toBe('');
      expect(run.stderr).toBe(tooOldMessage('20.20.2', process.execPath));
    }, 40_000);
  });
});
