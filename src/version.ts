/**
 * version: what build this is, for GET /version: the package version, the commit it was built from
 * (read from the checkout's .git when there is one; null otherwise) and a hash of the schema it
 * serves, so a client can tell whether its generated types still match. Nothing secret.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { lexicographicSortSchema, printSchema, type GraphQLSchema } from 'graphql';

/** The project root: a parent of src/ (tsx, ts-jest) and of dist/ (compiled). */
const ROOT = resolve(__dirname, '..');

export interface VersionInfo {
  name: string;
  version: string;
  commit: string | null;
  /** sha256 of the schema printed in a stable order. */
  schemaHash: string;
}

function packageInfo(): { name: string; version: string } {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { name?: string; version?: string };
  return { name: pkg.name ?? 'ncf-gateway', version: pkg.version ?? '0.0.0' };
}

/** The commit HEAD names, from .git without running git; null when that cannot be read. */
export function gitCommit(root = ROOT): string | null {
  try {
    const gitDir = join(root, '.git');
    if (!existsSync(gitDir)) return null;
    const head = readFileSync(join(gitDir, 'HEAD'), 'utf8').trim();
    if (/^[0-9a-f]{40}$/.test(head)) return head;
    const ref = /^ref: (.+)$/.exec(head)?.[1];
    if (!ref) return null;
    const loose = join(gitDir, ref);
    if (existsSync(loose)) return readFileSync(loose, 'utf8').trim();
    const packed = readFileSync(join(gitDir, 'packed-refs'), 'utf8');
    const line = packed.split('\n').find((l) => l.endsWith(` ${ref}`));
    return line ? line.split(' ')[0]! : null;
  } catch {
    return null;
  }
}

export function schemaHash(schema: GraphQLSchema): string {
  return createHash('sha256')
    .update(printSchema(lexicographicSortSchema(schema)))
    .digest('hex');
}

export function versionInfo(schema: GraphQLSchema): VersionInfo {
  return { ...packageInfo(), commit: gitCommit(), schemaHash: schemaHash(schema) };
}
