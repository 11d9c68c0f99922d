/**
 * schema: the SDL in schema/*.graphql, the single source of the API. Read from disk at start-up, so
 * the served schema and the generated types (npm run generate) always come from the same files.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** The schema directory: a sibling of src/ (ts-jest, tsx) and of dist/ (compiled). */
export function schemaDirectory(): string {
  const dir = resolve(__dirname, '..', 'schema');
  if (!existsSync(dir)) throw new Error(`schema directory not found at ${dir}`);
  return dir;
}

export function loadTypeDefs(dir: string = schemaDirectory()): string[] {
  return readdirSync(dir)
    .filter((file) => file.endsWith('.graphql'))
    .sort()
    .map((file) => readFileSync(join(dir, file), 'utf8'));
}
