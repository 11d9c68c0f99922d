/**
 * npm run apikey:create -- --scopes functions:read,functions:invoke [--name "web app"] [--file api-keys.json]
 *
 * Creates an API key, adds its SHA-256 (never the key) to the keys file (GATEWAY_API_KEYS_FILE, or
 * --file, default ./api-keys.json; created with mode 0600), and prints the key once.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { generateKey, loadKeysFile } from '../auth/apikeys';
import { isScope, SCOPES } from '../auth/principal';

function main(): void {
  const { values } = parseArgs({
    options: {
      scopes: { type: 'string', default: 'functions:read' },
      name: { type: 'string' },
      file: { type: 'string' },
    },
  });
  const file = values.file ?? process.env.GATEWAY_API_KEYS_FILE ?? 'api-keys.json';
  const scopes = values.scopes!.split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = scopes.filter((s) => !isScope(s));
  if (scopes.length === 0 || unknown.length > 0) {
    process.stderr.write(`Unknown scope(s): ${unknown.join(', ') || '(none given)'}. Choose among: ${SCOPES.join(', ')}\n`);
    process.exit(2);
  }
  const existing = existsSync(file) ? loadKeysFile(file) : [];
  const raw = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as { keys: unknown[] }) : { keys: [] };
  let created = generateKey(scopes, values.name);
  while (existing.some((k) => k.id === created.stored.id)) created = generateKey(scopes, values.name);
  raw.keys.push(created.stored);
  writeFileSync(file, `${JSON.stringify(raw, null, 2)}\n`, { mode: 0o600 });
  process.stdout.write(
    `${created.key}\n\nCreated key ${created.stored.id}${values.name ? ` (${values.name})` : ''} with scopes ${scopes.join(' ')} in ${file}.\n` +
      'This is the only time the key is shown. Clients send it as: Authorization: Bearer <key>\n',
  );
}

main();
