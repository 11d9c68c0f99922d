/**
 * build: `npm run build` (the gateway runs as node dist/main.js, the production build) and the
 * compilation of the bench's child processes into bench/.build, so that they run under plain node
 * and a TypeScript loader does not count in their memory or CPU. Its own module: it runs once,
 * before anything is measured.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import { BUILD_DIR, ROOT } from './paths';

export function build(): void {
  if (process.env.BENCH_SKIP_BUILD === '1' && existsSync(path.join(ROOT, 'dist', 'main.js'))) {
    console.log('bench: BENCH_SKIP_BUILD=1, using the existing dist/');
  } else {
    console.log('bench: npm run build (the gateway runs as node dist/main.js)');
    const result = spawnSync('npm', ['run', '--silent', 'build'], { cwd: ROOT, stdio: 'inherit' });
    if (result.status !== 0) throw new Error('npm run build failed: the gateway does not compile (see above)');
  }
  console.log('bench: compiling the benchmark helpers into bench/.build');
  rmSync(BUILD_DIR, { recursive: true, force: true });
  const tsc = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  const result = spawnSync(
    process.execPath,
    [
      tsc,
      '--outDir',
      BUILD_DIR,
      '--rootDir',
      path.join(ROOT, 'bench'),
      '--module',
      'node16',
      '--moduleResolution',
      'node16',
      '--target',
      'es2022',
      '--strict',
      '--skipLibCheck',
      '--esModuleInterop',
      '--types',
      'node',
      path.join(ROOT, 'bench', 'fixed-upstream.ts'),
      path.join(ROOT, 'bench', 'direct.ts'),
      path.join(ROOT, 'bench', 'parent-watch.ts'),
    ],
    { cwd: ROOT, stdio: 'inherit' },
  );
  if (result.status !== 0) throw new Error('compiling bench/ helpers failed');
}
