/**
 * `npm run apikey`: its help, its refusals (exit 2, nothing written), create / list / revoke on a
 * keys file under a temporary XDG_CONFIG_HOME (mode 0600 in a 0700 directory, replaced atomically),
 * and that no output ever carries a hash, nor the key except once on create's stdout. Run
 * in-process; the last test runs the npm scripts' entry as a process, for its exit codes.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ApiKeyVerifier, parseKeysFile } from '../../src/auth/apikeys';
import { runApiKeyCommand } from '../../src/cli/apikey-command';

const ROOT = resolve(__dirname, '..', '..');
const CREATED = new Date('2025-03-04T05:06:07.089Z');

function sandbox() {
  const home = mkdtempSync(join(tmpdir(), 'gw-apikey-cli-'));
  const env = { XDG_CONFIG_HOME: join(home, 'config'), HOME: join(home, 'home') };
  const file = join(home, 'config', 'ncf-gateway', 'api-keys.json');
  const run = (...argv: string[]) => {
    let stdout = '';
    let stderr = '';
    const code = runApiKeyCommand(argv, {
      stdout: { write: (text: string) => (stdout += text) },
      stderr: { write: (text: string) => (stderr += text) },
      env,
      now: () => CREATED,
    });
    return { code, stdout, stderr };
  };
  return { home, env, file, run };
}

const KEY = /^ncfgw_([0-9a-f]{8})_[A-Za-z0-9_-]{43}$/;

const HELP = (file: string) =>
  [
    'Usage: npm run apikey -- <command> [options]',
    '',
    "Manages the API keys a gateway with GATEWAY_AUTH=apikey accepts. The keys file holds each key's id,",
    'name, scopes, creation date and SHA-256, never the key. A running gateway re-reads it when it',
    'changes, or on SIGHUP.',
    '',
    'Commands:',
    '  create --scopes <scope,...> [--name <name>]   create a key and print it, once',
    '         [--rate-limit <rate>] [--invoke-rate-limit <rate>]',
    '  list                                          list the keys: id, name, scopes, created',
    '  revoke <key id>                               remove a key',
    "  help [<command>]                              this help, or a command's",
    '',
    'Options (every command):',
    '  --file <path>   the keys file (see below)',
    '  -h, --help      show help',
    '',
    'Scopes: functions:read, functions:invoke, functions:write, functions:code:read, compute:read',
    'Keys file: --file, else $GATEWAY_API_KEYS_FILE, else $XDG_CONFIG_HOME/ncf-gateway/api-keys.json,',
    `else ~/.config/ncf-gateway/api-keys.json. Here: ${file}`,
    '',
    'Examples:',
    '  npm run apikey -- create --scopes functions:read,functions:invoke --name "web app"',
    '  npm run apikey -- create --scopes functions:invoke --name batch --rate-limit 1200/min --invoke-rate-limit off',
    '  npm run apikey -- list',
    '  npm run apikey -- revoke 3f9a1c2b',
    '',
  ].join('\n');

const CREATE_HELP = (file: string) =>
  [
    'Usage: npm run apikey -- create --scopes <scope,...> [--name <name>] [--rate-limit <rate>]',
    '                            [--invoke-rate-limit <rate>] [--file <path>]',
    '',
    'Creates an API key, adds its SHA-256 (never the key) to the keys file, and prints the key on',
    'stdout. It is shown this once and cannot be shown again. Clients send it as',
    'Authorization: Bearer <key> (or X-API-Key: <key>).',
    '',
    'Options:',
    '  --scopes <scope,...>  required: what the key may do, comma-separated, among',
    '                        functions:read, functions:invoke, functions:write, functions:code:read, compute:read',
    '  --name <name>         a label for people, shown by list (at most 100 characters)',
    '  --rate-limit <rate>   operations this key may run, in place of GATEWAY_RATE_LIMIT:',
    '                        <count>/<unit> (units: s, min, hour, day), or off; e.g. 1200/min',
    '  --invoke-rate-limit <rate>',
    '                        invokeAction calls this key may make, in place of',
    '                        GATEWAY_INVOKE_RATE_LIMIT (same syntax)',
    '  --file <path>         the keys file',
    '',
    'Keys file: --file, else $GATEWAY_API_KEYS_FILE, else $XDG_CONFIG_HOME/ncf-gateway/api-keys.json,',
    `else ~/.config/ncf-gateway/api-keys.json. Here: ${file}`,
    '',
  ].join('\n');

describe('npm run apikey: help', () => {
  it('prints the help on stdout with exit 0 for --help, -h and help, naming the keys file it would use', () => {
    const { run, file } = sandbox();
    for (const argv of [['--help'], ['-h'], ['help']]) {
      expect(run(...argv)).toEqual({ code: 0, stdout: HELP(file), stderr: '' });
    }
  });

  it("prints a command's help for `<command> --help` and `help <command>`, even among other options", () => {
    const { run, file, home } = sandbox();
    expect(run('create', '--help')).toEqual({ code: 0, stdout: CREATE_HELP(file), stderr: '' });
    expect(run('help', 'create')).toEqual({ code: 0, stdout: CREATE_HELP(file), stderr: '' });
    expect(run('create', '--scopes', 'functions:read', '--help')).toEqual({
      code: 0,
      stdout: CREATE_HELP(file),
      stderr: '',
    });
    expect(run('create', '--bogus', '--help')).toEqual({ code: 0, stdout: CREATE_HELP(file), stderr: '' });
    expect(run('list', '-h').stdout).toBe(
      [
        'Usage: npm run apikey -- list [--file <path>]',
        '',
        'Lists the keys in the keys file: id, name, scopes and creation date (never a key or a hash).',
        '',
        'Keys file: --file, else $GATEWAY_API_KEYS_FILE, else $XDG_CONFIG_HOME/ncf-gateway/api-keys.json,',
        `else ~/.config/ncf-gateway/api-keys.json. Here: ${file}`,
        '',
      ].join('\n'),
    );
    expect(run('revoke', '--help', '--file', '/srv/keys.json').stdout).toBe(
      [
        'Usage: npm run apikey -- revoke <key id> [--file <path>]',
        '',
        'Removes the key with this id from the keys file. The id is the first column of list, and the',
        '8 hex digits after ncfgw_ in the key itself. A running gateway reading the file refuses the key',
        'as soon as it sees the change (at once on SIGHUP).',
        '',
        'Keys file: --file, else $GATEWAY_API_KEYS_FILE, else $XDG_CONFIG_HOME/ncf-gateway/api-keys.json,',
        'else ~/.config/ncf-gateway/api-keys.json. Here: /srv/keys.json',
        '',
      ].join('\n'),
    );
    expect(readdirSync(home)).toEqual([]);
  });

  it('refuses no command, an unknown command or option with exit 2 and the help on stderr', () => {
    const { run, file, home } = sandbox();
    expect(run()).toEqual({
      code: 2,
      stdout: '',
      stderr: `A command is needed: create, list or revoke.\n\n${HELP(file)}`,
    });
    expect(run('delete', 'x')).toEqual({
      code: 2,
      stdout: '',
      stderr:
        'apikey: unknown command "delete": the commands are create, list and revoke\n' +
        'Run `npm run apikey -- --help` for usage.\n',
    });
    expect(run('help', 'delete').stderr).toBe(
      'apikey: no help on "delete": the commands are create, list and revoke\n' +
        'Run `npm run apikey -- --help` for usage.\n',
    );
    expect(run('list', '--bogus')).toEqual({
      code: 2,
      stdout: '',
      stderr: 'apikey: unknown option --bogus\nRun `npm run apikey -- --help` for usage.\n',
    });
    expect(run('list', '--scopes', 'functions:read')).toEqual({
      code: 2,
      stdout: '',
      stderr: 'apikey list: list does not take --scopes\nRun `npm run apikey -- list --help` for usage.\n',
    });
    expect(run('create', '--scopes')).toEqual({
      code: 2,
      stdout: '',
      stderr: 'apikey: option --scopes needs a value\nRun `npm run apikey -- --help` for usage.\n',
    });
    expect(run('--help=yes').stderr).toBe(
      'apikey: option --help takes no value\nRun `npm run apikey -- --help` for usage.\n',
    );
    expect(run('list', 'extra').stderr).toBe(
      'apikey list: list takes no arguments besides its options\nRun `npm run apikey -- list --help` for usage.\n',
    );
    expect(readdirSync(home)).toEqual([]);
  });
});

describe('npm run apikey -- create', () => {
  it('refuses to create a key without --scopes, or with an unknown scope, with exit 2 and nothing written', () => {
    const { run, home } = sandbox();
    const needs =
      'apikey create: create needs --scopes: what the key may do, comma-separated, among ' +
      'functions:read, functions:invoke, functions:write, functions:code:read, compute:read ' +
      '(for example --scopes functions:read,functions:invoke)\n' +
      'Run `npm run apikey -- create --help` for usage.\n';
    expect(run('create')).toEqual({ code: 2, stdout: '', stderr: needs });
    expect(run('create', '--name', 'web app')).toEqual({ code: 2, stdout: '', stderr: needs });
    expect(run('create', '--scopes', ' , ')).toEqual({ code: 2, stdout: '', stderr: needs });
    expect(run('create', '--scopes', 'functions:read,functions:admin')).toEqual({
      code: 2,
      stdout: '',
      stderr:
        'apikey create: unknown scope "functions:admin"; ' +
        'valid scopes: functions:read, functions:invoke, functions:write, functions:code:read, compute:read\n' +
        'Run `npm run apikey -- create --help` for usage.\n',
    });
    expect(run('create', '--scopes', 'read,admin').stderr).toBe(
      'apikey create: unknown scopes "read", "admin"; valid scopes: ' +
        'functions:read, functions:invoke, functions:write, functions:code:read, compute:read\n' +
        'Run `npm run apikey -- create --help` for usage.\n',
    );
    expect(run('create', '--scopes', 'functions:read', '--name', ' ').stderr).toBe(
      'apikey create: --name must not be empty (leave it out for no name)\n' +
        'Run `npm run apikey -- create --help` for usage.\n',
    );
    expect(run('create', '--scopes', 'functions:read', '--name', 'a\nb').stderr).toBe(
      'apikey create: --name must be one line of printable text\nRun `npm run apikey -- create --help` for usage.\n',
    );
    expect(readdirSync(home)).toEqual([]);
  });

  it('prints the key once, on stdout alone, and stores its SHA-256 in a 0600 file in a 0700 directory', () => {
    const { run, file, env } = sandbox();
    const out = run('create', '--scopes', 'functions:read,functions:invoke,functions:read', '--name', 'web app');
    expect(out.code).toBe(0);
    const key = out.stdout.trimEnd();
    expect(out.stdout).toBe(`${key}\n`);
    const id = KEY.exec(key)![1]!;
    expect(out.stderr).toBe(
      `Created key ${id} (web app) with scopes functions:read,functions:invoke in ${file}.\n` +
        'This is the only time the key is shown: keep it now. Clients send it as Authorization: Bearer <key>.\n',
    );
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(join(env.XDG_CONFIG_HOME, 'ncf-gateway')).mode & 0o777).toBe(0o700);
    const stored = JSON.parse(readFileSync(file, 'utf8'));
    expect(stored).toEqual({
      keys: [
        {
          id,
          name: 'web app',
          sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
          scopes: ['functions:read', 'functions:invoke'],
          createdAt: '2025-03-04T05:06:07.089Z',
        },
      ],
    });
    expect(readFileSync(file, 'utf8')).not.toContain(key);
    // The gateway accepts what was stored.
    expect(new ApiKeyVerifier(parseKeysFile(readFileSync(file, 'utf8'))).verify(key)).toEqual({
      id,
      kind: 'apikey',
      scopes: new Set(['functions:read', 'functions:invoke']),
    });
    // No temporary file is left next to it.
    expect(readdirSync(join(env.XDG_CONFIG_HOME, 'ncf-gateway'))).toEqual(['api-keys.json']);
  });

  it('stores --rate-limit and --invoke-rate-limit on the key, and the gateway gives them to its principal', () => {
    const { run, file } = sandbox();
    const out = run(
      'create',
      '--scopes',
      'functions:invoke',
      '--rate-limit',
      ' 1200/MIN ',
      '--invoke-rate-limit',
      'off',
    );
    expect(out.code).toBe(0);
    const key = out.stdout.trimEnd();
    const id = KEY.exec(key)![1]!;
    expect(out.stderr).toBe(
      `Created key ${id} with scopes functions:invoke and rate limit 1200/min, invoke rate limit off in ${file}.\n` +
        'This is the only time the key is shown: keep it now. Clients send it as Authorization: Bearer <key>.\n',
    );
    expect(JSON.parse(readFileSync(file, 'utf8')).keys).toEqual([
      {
        id,
        sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
        scopes: ['functions:invoke'],
        createdAt: '2025-03-04T05:06:07.089Z',
        rateLimit: '1200/min',
        invokeRateLimit: 'off',
      },
    ]);
    expect(new ApiKeyVerifier(parseKeysFile(readFileSync(file, 'utf8'))).verify(key)).toEqual({
      id,
      kind: 'apikey',
      scopes: new Set(['functions:invoke']),
      rateLimits: { operations: { points: 1200, windowSeconds: 60 }, invoke: null },
    });
  });

  it('refuses a rate that is not one, with exit 2 and nothing written', () => {
    const { run, home } = sandbox();
    expect(run('create', '--scopes', 'functions:read', '--rate-limit', '10 per minute')).toEqual({
      code: 2,
      stdout: '',
      stderr:
        'apikey create: --rate-limit must be <count>/<unit> such as 1200/min (units: s, min, hour, day), or off\n' +
        'Run `npm run apikey -- create --help` for usage.\n',
    });
    expect(run('create', '--scopes', 'functions:read', '--invoke-rate-limit', '0/min').stderr).toBe(
      'apikey create: --invoke-rate-limit must be <count>/<unit> such as 1200/min (units: s, min, hour, day), ' +
        'or off\nRun `npm run apikey -- create --help` for usage.\n',
    );
    expect(run('list', '--rate-limit', '5/s').stderr).toBe(
      'apikey list: list does not take --rate-limit\nRun `npm run apikey -- list --help` for usage.\n',
    );
    expect(readdirSync(home)).toEqual([]);
  });

  it('adds to an existing file, keeps the fields it does not know, and tightens its mode to 0600', () => {
    const { run, home } = sandbox();
    const file = join(home, 'keys.json');
    const before = {
      comment: 'kept',
      keys: [{ id: '0a0b0c0d', sha256: 'a'.repeat(64), scopes: ['compute:read'], owner: 'ops' }],
    };
    writeFileSync(file, JSON.stringify(before), { mode: 0o644 });
    const out = run('create', '--scopes', 'compute:read', '--file', file);
    expect(out.code).toBe(0);
    const id = KEY.exec(out.stdout.trimEnd())![1]!;
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({
      comment: 'kept',
      keys: [
        before.keys[0],
        {
          id,
          sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
          scopes: ['compute:read'],
          createdAt: '2025-03-04T05:06:07.089Z',
        },
      ],
    });
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('writes through a symlink to its target, and reads GATEWAY_API_KEYS_FILE when --file is not given', () => {
    const { home } = sandbox();
    const target = join(home, 'real.json');
    writeFileSync(target, '{"keys":[]}');
    symlinkSync(target, join(home, 'link.json'));
    let stdout = '';
    const code = runApiKeyCommand(['create', '--scopes', 'functions:read'], {
      stdout: { write: (t: string) => (stdout += t) },
      stderr: { write: () => true },
      env: { GATEWAY_API_KEYS_FILE: join(home, 'link.json'), HOME: '/nonexistent' },
    });
    expect(code).toBe(0);
    expect(JSON.parse(readFileSync(target, 'utf8')).keys).toHaveLength(1);
    expect(stdout).toMatch(/^ncfgw_[0-9a-f]{8}_/);
    expect(readdirSync(home).sort()).toEqual(['link.json', 'real.json']);
  });

  it('refuses to touch a keys file that does not parse (exit 1), naming the problem but no hash', () => {
    const { run, home } = sandbox();
    const file = join(home, 'keys.json');
    writeFileSync(file, '{"keys":[{"id":"0a0b0c0d","sha256":"not-a-hash","scopes":[]}]}');
    expect(run('create', '--scopes', 'functions:read', '--file', file)).toEqual({
      code: 1,
      stdout: '',
      stderr: `apikey create: ${file}: keys[0].sha256 must be 64 hex digits; nothing was changed\n`,
    });
    writeFileSync(file, '{"keys": [ {"id": "0a0b0c0d", "sha256": "' + 'b'.repeat(64) + '"');
    expect(run('list', '--file', file)).toEqual({
      code: 1,
      stdout: '',
      stderr: `apikey list: ${file}: is not valid JSON\n`,
    });
  });
});

describe('npm run apikey -- list and revoke', () => {
  it('lists id, name, scopes and creation date, never a hash or a key', () => {
    const { run, file } = sandbox();
    expect(run('list')).toEqual({
      code: 0,
      stdout: `No API keys: ${file} does not exist yet (create one with: npm run apikey -- create --scopes …).\n`,
      stderr: '',
    });
    const web = run('create', '--scopes', 'functions:read,functions:invoke', '--name', 'web app').stdout.trimEnd();
    const ops = run('create', '--scopes', 'compute:read').stdout.trimEnd();
    const [webId, opsId] = [KEY.exec(web)![1], KEY.exec(ops)![1]];
    const out = run('list');
    expect(out).toEqual({
      code: 0,
      stdout:
        'ID        NAME     SCOPES                           CREATED\n' +
        `${webId}  web app  functions:read,functions:invoke  2025-03-04T05:06:07Z\n` +
        `${opsId}  -        compute:read                     2025-03-04T05:06:07Z\n`,
      stderr: `2 API keys in ${file}.\n`,
    });
    for (const stored of JSON.parse(readFileSync(file, 'utf8')).keys)
      expect(out.stdout + out.stderr).not.toContain(stored.sha256);
    expect(out.stdout + out.stderr).not.toContain(web);
  });

  it('revokes a key by id (the gateway no longer accepts it) and refuses an unknown id with exit 1', () => {
    const { run, file } = sandbox();
    const key = run('create', '--scopes', 'functions:read', '--name', 'ci').stdout.trimEnd();
    const keep = run('create', '--scopes', 'functions:read').stdout.trimEnd();
    const id = KEY.exec(key)![1]!;
    expect(run('revoke', id)).toEqual({
      code: 0,
      stdout:
        `Revoked key ${id} (ci) in ${file}. ` +
        'A running gateway reading this file refuses it as soon as it sees the change.\n',
      stderr: '',
    });
    const verifier = new ApiKeyVerifier(parseKeysFile(readFileSync(file, 'utf8')));
    expect(verifier.verify(key)).toBeNull();
    expect(verifier.verify(keep)).not.toBeNull();
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(run('revoke', id)).toEqual({
      code: 1,
      stdout: '',
      stderr: `apikey revoke: no key ${id} in ${file} (npm run apikey -- list shows the ids)\n`,
    });
    expect(run('revoke', 'ffffffff', '--file', join(file, '..', 'missing.json'))).toEqual({
      code: 1,
      stdout: '',
      stderr: `apikey revoke: no key ffffffff: ${join(file, '..', 'missing.json')} does not exist\n`,
    });
  });

  it('refuses a revoke without an id, with a malformed one, or with a whole key, never echoing it', () => {
    const { run } = sandbox();
    const key = run('create', '--scopes', 'functions:read').stdout.trimEnd();
    const id = KEY.exec(key)![1]!;
    expect(run('revoke')).toEqual({
      code: 2,
      stdout: '',
      stderr:
        'apikey revoke: revoke needs the id of the key (the first column of npm run apikey -- list)\n' +
        'Run `npm run apikey -- revoke --help` for usage.\n',
    });
    expect(run('revoke', 'not-an-id')).toEqual({
      code: 2,
      stdout: '',
      stderr:
        'apikey revoke: a key id is 8 hex digits (the first column of npm run apikey -- list)\n' +
        'Run `npm run apikey -- revoke --help` for usage.\n',
    });
    expect(run('revoke', key)).toEqual({
      code: 2,
      stdout: '',
      stderr:
        `apikey revoke: that is a whole key; revoke takes its id, ${id} (npm run apikey -- revoke ${id})\n` +
        `Run \`npm run apikey -- revoke --help\` for usage.\n`,
    });
    expect(run('revoke', id, id).stderr).toBe(
      'apikey revoke: revoke takes one key id\nRun `npm run apikey -- revoke --help` for usage.\n',
    );
  });

  it('needs --file when neither GATEWAY_API_KEYS_FILE, XDG_CONFIG_HOME nor an absolute HOME is set', () => {
    let stderr = '';
    const code = runApiKeyCommand(['list'], {
      stdout: { write: () => true },
      stderr: { write: (t: string) => (stderr += t) },
      env: { HOME: 'relative/home' },
    });
    expect(code).toBe(2);
    expect(stderr).toBe(
      'apikey list: no keys file: pass --file <path> (neither GATEWAY_API_KEYS_FILE, XDG_CONFIG_HOME nor HOME ' +
        'is set)\n' +
        'Run `npm run apikey -- list --help` for usage.\n',
    );
  });
});

describe('npm run apikey as a process', () => {
  it('exits 0 on --help, 2 on create without scopes, and apikey:create is create', () => {
    const { env, file } = sandbox();
    const npm = (...args: string[]) =>
      spawnSync('npm', ['run', '--silent', ...args], {
        cwd: ROOT,
        env: { ...process.env, ...env, GATEWAY_API_KEYS_FILE: '' },
        encoding: 'utf8',
        timeout: 30_000,
      });
    const help = npm('apikey', '--', '--help');
    expect({ status: help.status, stdout: help.stdout, stderr: help.stderr }).toEqual({
      status: 0,
      stdout: HELP(file),
      stderr: '',
    });
    const refused = npm('apikey:create');
    expect(refused.status).toBe(2);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toMatch(/^apikey create: create needs --scopes: /);
    const created = npm('apikey:create', '--', '--scopes', 'functions:invoke');
    expect(created.status).toBe(0);
    expect(created.stdout).toMatch(/^ncfgw_[0-9a-f]{8}_[A-Za-z0-9_-]{43}\n$/);
    expect(JSON.parse(readFileSync(file, 'utf8')).keys.map((k: { scopes: string[] }) => k.scopes)).toEqual([
      ['functions:invoke'],
    ]);
  }, 60_000);
});
