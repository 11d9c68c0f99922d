/**
 * The README's configuration tables name every variable the gateway reads: each `['GATEWAY_…', schema]`
 * (and NCP_, OS_, NOVA_) of the config sections in src/config appears in a table row of the README.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '..', '..');
const CONFIG_DIR = join(ROOT, 'src', 'config');

function configVariables(): string[] {
  const names = new Set<string>();
  for (const file of readdirSync(CONFIG_DIR).filter((f) => f.endsWith('.ts'))) {
    const text = readFileSync(join(CONFIG_DIR, file), 'utf8');
    for (const match of text.matchAll(/\[\s*'((?:GATEWAY|NCP|OS|NOVA)_[A-Z0-9_]+)'/g)) names.add(match[1]!);
  }
  return [...names].sort();
}

describe('README configuration tables', () => {
  const rows = readFileSync(join(ROOT, 'README.md'), 'utf8')
    .split('\n')
    .filter((line) => line.startsWith('| `'));

  it('find the variables of the config sections', () => {
    const names = configVariables();
    expect(names.length).toBeGreaterThan(70);
    expect(names).toContain('GATEWAY_REDIS_URL');
  });

  it('have a row naming each variable the gateway reads', () => {
    const missing = configVariables().filter((name) => !rows.some((row) => row.includes(`\`${name}\``)));
    expect(missing).toEqual([]);
  });
});
