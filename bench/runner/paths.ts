/**
 * paths: where the benchmark finds the gateway and puts its files, and the Node flags of
 * `npm start`. Its own module because every other part of the runner (build, processes, profiles,
 * report) needs them, and none of them should have to import another part to get them.
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** The repository (this file is bench/runner/paths.ts). */
export const ROOT = path.resolve(__dirname, '..', '..');
/** Node flags of `npm start` (package.json), so the gateway runs here as it runs in production. */
export const START_NODE_FLAGS: string[] = (() => {
  const start: string = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')).scripts.start;
  const words = start.split(/\s+/);
  return words.slice(words.indexOf('node') + 1, words.indexOf('dist/main.js')).filter((w) => w.startsWith('--'));
})();
export const BUILD_DIR = path.join(ROOT, 'bench', '.build');
export const WORK_DIR = path.join(os.tmpdir(), 'ncf-gateway-bench');
export const PROFILE_DIR = path.join(WORK_DIR, 'profiles');
export const LOG_DIR = path.join(WORK_DIR, 'logs');
export const NOTES_START = '<!-- notes:start -->';
export const NOTES_END = '<!-- notes:end -->';
