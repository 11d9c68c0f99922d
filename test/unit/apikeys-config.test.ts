/**
 * Where the API keys file is by default (one function, for the gateway and `npm run apikey`), and
 * the start-up refusals of GATEWAY_AUTH=apikey without a keys file: config refuses a default file
 * that is not there (naming its path, among every other problem at once); a GATEWAY_API_KEYS_FILE
 * is taken as given and refused when the gateway reads it. Each refusal names GATEWAY_API_KEYS_FILE.
 */
import { refusals } from '../helpers/config';
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config';
import { defaultApiKeysFile } from '../../src/config/auth';
import { createAuthenticator } from '../../src/auth';

const problems = refusals;

/** What creating the apikey authenticator (at start-up) throws. */
function startError(keysFile: string): string {
  try {
    createAuthenticator({ mode: 'apikey', keysFile });
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('expected an error');
}

function keysDir(): { dir: string; file: string } {
  const dir = mkdtempSync(join(tmpdir(), 'gw-keys-config-'));
  return { dir, file: join(dir, 'ncf-gateway', 'api-keys.json') };
}

describe('the default API keys file', () => {
  it('is under $XDG_CONFIG_HOME, else ~/.config, never relative, and undefined without either', () => {
    expect(defaultApiKeysFile({ XDG_CONFIG_HOME: '/etc/xdg-user', HOME: '/home/ops' })).toBe(
      '/etc/xdg-user/ncf-gateway/api-keys.json',
    );
    expect(defaultApiKeysFile({ HOME: '/home/ops' })).toBe('/home/ops/.config/ncf-gateway/api-keys.json');
    expect(defaultApiKeysFile({ XDG_CONFIG_HOME: 'relative/config', HOME: '/home/ops' })).toBe(
      '/home/ops/.config/ncf-gateway/api-keys.json',
    );
    expect(defaultApiKeysFile({ XDG_CONFIG_HOME: ' ', HOME: '/home/ops/' })).toBe(
      '/home/ops/.config/ncf-gateway/api-keys.json',
    );
    expect(defaultApiKeysFile({ HOME: '.' })).toBeUndefined();
    expect(defaultApiKeysFile({})).toBeUndefined();
  });
});

describe('GATEWAY_AUTH=apikey and its keys file', () => {
  it('reads the default file when GATEWAY_API_KEYS_FILE is not set', () => {
    const { dir, file } = keysDir();
    mkdirSync(join(dir, 'ncf-gateway'));
    writeFileSync(file, '{"keys":[]}');
    expect(loadConfig({ GATEWAY_AUTH: 'apikey', XDG_CONFIG_HOME: dir, HOME: '/nonexistent' }).auth).toEqual({
      mode: 'apikey',
      keysFile: file,
    });
    const home = mkdtempSync(join(tmpdir(), 'gw-keys-home-'));
    mkdirSync(join(home, '.config', 'ncf-gateway'), { recursive: true });
    writeFileSync(join(home, '.config', 'ncf-gateway', 'api-keys.json'), '{"keys":[]}');
    expect(loadConfig({ GATEWAY_AUTH: 'apikey', HOME: home }).auth).toEqual({
      mode: 'apikey',
      keysFile: join(home, '.config', 'ncf-gateway', 'api-keys.json'),
    });
  });

  it('prefers GATEWAY_API_KEYS_FILE when it is set', () => {
    const { dir } = keysDir();
    const given = join(dir, 'keys.json');
    writeFileSync(given, '{"keys":[]}');
    expect(
      loadConfig({ HOST: '0.0.0.0', GATEWAY_AUTH: 'apikey', GATEWAY_API_KEYS_FILE: given, XDG_CONFIG_HOME: dir }).auth,
    ).toEqual({ mode: 'apikey', keysFile: given });
  });

  it('refuses a default file that does not exist or is a directory, naming its path, with every other problem', () => {
    const { dir, file } = keysDir();
    const required =
      'GATEWAY_API_KEYS_FILE: is required with GATEWAY_AUTH=apikey (create one with `npm run apikey:create`)';
    expect(problems({ GATEWAY_AUTH: 'apikey', XDG_CONFIG_HOME: dir, PORT: 'eighty' })).toEqual([
      'PORT: must be a whole number from 0 to 65535',
      `${required} unless the default keys file, ${file}, is readable: it does not exist`,
    ]);
    mkdirSync(file, { recursive: true });
    expect(problems({ GATEWAY_AUTH: 'apikey', XDG_CONFIG_HOME: dir })).toEqual([
      `${required} unless the default keys file, ${file}, is readable: it is not a regular file`,
    ]);
  });

  it('takes GATEWAY_API_KEYS_FILE as given; the gateway reads it at start-up, and will not start without it', () => {
    const { dir } = keysDir();
    const missing = join(dir, 'nope.json');
    expect(loadConfig({ GATEWAY_AUTH: 'apikey', GATEWAY_API_KEYS_FILE: missing }).auth).toEqual({
      mode: 'apikey',
      keysFile: missing,
    });
    expect(startError(missing)).toBe(
      `GATEWAY_API_KEYS_FILE: cannot read ${missing} ` +
        '(ENOENT: create a key there with `npm run apikey -- create --scopes …`)',
    );
    expect(startError(dir)).toBe(`GATEWAY_API_KEYS_FILE: cannot read ${dir} (EISDIR)`);
    const broken = join(dir, 'broken.json');
    writeFileSync(broken, `{"keys": [{"id": "0a0b0c0d", "sha256": "${'c'.repeat(64)}"`);
    expect(startError(broken)).toBe('GATEWAY_API_KEYS_FILE: is not valid JSON');
  });

  it('needs GATEWAY_API_KEYS_FILE when neither XDG_CONFIG_HOME nor HOME can place the default', () => {
    expect(problems({ GATEWAY_AUTH: 'apikey', HOME: 'relative' })).toEqual([
      'GATEWAY_API_KEYS_FILE: is required with GATEWAY_AUTH=apikey (create one with `npm run apikey:create`)',
    ]);
  });

  // root reads any file whatever its mode, so this refusal can only be seen as another user.
  (process.getuid?.() === 0 ? it.skip : it)('refuses a default file this process may not read', () => {
    const { dir, file } = keysDir();
    mkdirSync(join(dir, 'ncf-gateway'));
    writeFileSync(file, '{"keys":[]}', { mode: 0o000 });
    chmodSync(file, 0o000);
    expect(problems({ GATEWAY_AUTH: 'apikey', XDG_CONFIG_HOME: dir })).toEqual([
      'GATEWAY_API_KEYS_FILE: is required with GATEWAY_AUTH=apikey (create one with `npm run apikey:create`) ' +
        `unless the default keys file, ${file}, is readable: it is not readable by this process`,
    ]);
  });
});
