/**
 * The `npm run apikey` command, without the process: its arguments, streams and environment come
 * in, its exit code goes out (src/cli/apikey.ts is the process; the tests run this in-process).
 *
 *   create --scopes <scope,…> [--name <name>]   a new key, printed once on stdout (its SHA-256 is stored);
 *          [--rate-limit <rate>] [--invoke-rate-limit <rate>]   its own limits (`1200/min`, `off`)
 *   list                                        id, name, scopes and creation date of each key
 *   revoke <key id>                             removes a key
 *   help [<command>], --help, <command> --help
 *
 * `--file <path>` names the keys file for every command; else GATEWAY_API_KEYS_FILE, else the
 * gateway's own default (src/config/auth.ts: under $XDG_CONFIG_HOME or ~/.config, outside any
 * working tree). The file is replaced atomically (a temporary file in the same directory, renamed
 * over it) with mode 0600, in a directory created 0700, so a gateway watching it never reads half
 * of it. Nothing printed, on any stream, is a hash; a key is printed once, by `create`, on stdout.
 *
 * Exit codes: 0 done; 1 the command could not be carried out (unknown id, unreadable or invalid
 * file); 2 the command line is wrong (nothing was read or written).
 */
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  fchmodSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { generateKey, KEY_ID_PATTERN, parseKeysFile, rateProblem, type StoredKey } from '../auth/apikeys';
import { isScope, SCOPES } from '../auth/principal';
import { defaultApiKeysFile } from '../config/auth';

export interface CommandIo {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
  /** Where GATEWAY_API_KEYS_FILE, XDG_CONFIG_HOME and HOME are read (the process's environment). */
  env: Record<string, string | undefined>;
  /** The creation date recorded for a new key (default: now). */
  now?: () => Date;
}

const COMMANDS = ['create', 'list', 'revoke'] as const;
type Command = (typeof COMMANDS)[number];
/** The options each command takes (besides --help). */
const ALLOWED: Record<Command, readonly string[]> = {
  create: ['scopes', 'name', 'file', 'rate-limit', 'invoke-rate-limit'],
  list: ['file'],
  revoke: ['file'],
};
const NAME_MAX = 100;
const RUN = 'npm run apikey --';

/** The command line is wrong: exit 2, with a pointer to the help. */
class UsageError extends Error {
  constructor(
    message: string,
    readonly command?: Command,
  ) {
    super(message);
  }
}

/** The command could not be carried out: exit 1. */
class Failure extends Error {}

/** Where the keys file is looked for, and which one this command line would use. */
function fileHelp(env: CommandIo['env'], file?: string): string {
  let here: string;
  try {
    here = `Here: ${keysFileFrom(file, env)}`;
  } catch {
    here = 'Here: none of these is set; pass --file.';
  }
  return (
    'Keys file: --file, else $GATEWAY_API_KEYS_FILE, else $XDG_CONFIG_HOME/ncf-gateway/api-keys.json,\n' +
    `else ~/.config/ncf-gateway/api-keys.json. ${here}\n`
  );
}

function mainHelp(env: CommandIo['env'], file?: string): string {
  return (
    `Usage: ${RUN} <command> [options]\n` +
    '\n' +
    "Manages the API keys a gateway with GATEWAY_AUTH=apikey accepts. The keys file holds each key's id,\n" +
    'name, scopes, creation date and SHA-256, never the key. A running gateway re-reads it when it\n' +
    'changes, or on SIGHUP.\n' +
    '\n' +
    'Commands:\n' +
    '  create --scopes <scope,...> [--name <name>]   create a key and print it, once\n' +
    '         [--rate-limit <rate>] [--invoke-rate-limit <rate>]\n' +
    '  list                                          list the keys: id, name, scopes, created\n' +
    '  revoke <key id>                               remove a key\n' +
    "  help [<command>]                              this help, or a command's\n" +
    '\n' +
    'Options (every command):\n' +
    '  --file <path>   the keys file (see below)\n' +
    '  -h, --help      show help\n' +
    '\n' +
    `Scopes: ${SCOPES.join(', ')}\n` +
    fileHelp(env, file) +
    '\n' +
    'Examples:\n' +
    `  ${RUN} create --scopes functions:read,functions:invoke --name "web app"\n` +
    `  ${RUN} create --scopes functions:invoke --name batch --rate-limit 1200/min --invoke-rate-limit off\n` +
    `  ${RUN} list\n` +
    `  ${RUN} revoke 3f9a1c2b\n`
  );
}

function commandHelp(command: Command, env: CommandIo['env'], file?: string): string {
  switch (command) {
    case 'create':
      return (
        `Usage: ${RUN} create --scopes <scope,...> [--name <name>] [--rate-limit <rate>]\n` +
        '                            [--invoke-rate-limit <rate>] [--file <path>]\n' +
        '\n' +
        'Creates an API key, adds its SHA-256 (never the key) to the keys file, and prints the key on\n' +
        'stdout. It is shown this once and cannot be shown again. Clients send it as\n' +
        'Authorization: Bearer <key> (or X-API-Key: <key>).\n' +
        '\n' +
        'Options:\n' +
        '  --scopes <scope,...>  required: what the key may do, comma-separated, among\n' +
        `                        ${SCOPES.join(', ')}\n` +
        `  --name <name>         a label for people, shown by list (at most ${NAME_MAX} characters)\n` +
        '  --rate-limit <rate>   operations this key may run, in place of GATEWAY_RATE_LIMIT:\n' +
        '                        <count>/<unit> (units: s, min, hour, day), or off; e.g. 1200/min\n' +
        '  --invoke-rate-limit <rate>\n' +
        '                        invokeAction calls this key may make, in place of\n' +
        '                        GATEWAY_INVOKE_RATE_LIMIT (same syntax)\n' +
        '  --file <path>         the keys file\n' +
        '\n' +
        fileHelp(env, file)
      );
    case 'list':
      return (
        `Usage: ${RUN} list [--file <path>]\n` +
        '\n' +
        'Lists the keys in the keys file: id, name, scopes and creation date (never a key or a hash).\n' +
        '\n' +
        fileHelp(env, file)
      );
    case 'revoke':
      return (
        `Usage: ${RUN} revoke <key id> [--file <path>]\n` +
        '\n' +
        'Removes the key with this id from the keys file. The id is the first column of list, and the\n' +
        '8 hex digits after ncfgw_ in the key itself. A running gateway reading the file refuses the key\n' +
        'as soon as it sees the change (at once on SIGHUP).\n' +
        '\n' +
        fileHelp(env, file)
      );
  }
}

/** parseArgs' errors, in this command's words (the option named, no advice about `--`). */
function argumentError(error: unknown): UsageError {
  const message = error instanceof Error ? error.message : String(error);
  // Node names the option in quotes: '--foo', '--scopes <value>', '-h, --help'.
  const option = /'([^']+)'/
    .exec(message)?.[1]
    ?.replace(/ <value>$/, '')
    .split(', ')
    .pop();
  const code = (error as { code?: string }).code;
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && option) return new UsageError(`unknown option ${option}`);
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && option) {
    return new UsageError(
      /does not take an argument/.test(message) ? `option ${option} takes no value` : `option ${option} needs a value`,
    );
  }
  return new UsageError(message.split('\n')[0]!);
}

function keysFileFrom(file: string | undefined, env: CommandIo['env']): string {
  const chosen = file?.trim() || env.GATEWAY_API_KEYS_FILE?.trim() || defaultApiKeysFile(env);
  if (!chosen)
    throw new UsageError(
      'no keys file: pass --file <path> (neither GATEWAY_API_KEYS_FILE, XDG_CONFIG_HOME nor HOME is set)',
    );
  return resolve(chosen);
}

interface KeysDocument {
  /** The file as parsed, kept whole so that fields this version does not know survive a rewrite. */
  raw: Record<string, unknown> & { keys: unknown[] };
  keys: StoredKey[];
}

/** The keys file, checked; undefined when it does not exist. `forWrite`: the refusal says nothing was written. */
function readDocument(file: string, forWrite: boolean): KeysDocument | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    throw new Failure(`cannot read ${file} (${code ?? 'error'})`);
  }
  let keys: StoredKey[];
  try {
    keys = parseKeysFile(text, file);
  } catch (error) {
    throw new Failure(`${(error as Error).message}${forWrite ? '; nothing was changed' : ''}`);
  }
  return { raw: JSON.parse(text) as KeysDocument['raw'], keys };
}

/**
 * Replaces `file` with `text` in one step: a temporary file in the same directory (mode 0600,
 * whatever the umask), flushed, then renamed over it. The directory is created 0700 when missing.
 * A symlink is followed: its target is replaced, the link stays.
 */
export function writeFileAtomic(file: string, text: string): void {
  let target = file;
  try {
    target = realpathSync(file);
  } catch {
    // Not there yet: written where it was named.
  }
  const dir = dirname(target);
  const temp = join(dir, `.${basename(target)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const fd = openSync(temp, 'wx', 0o600);
    try {
      fchmodSync(fd, 0o600);
      writeFileSync(fd, text);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, target);
  } catch (error) {
    rmSync(temp, { force: true });
    throw new Failure(
      `cannot write ${file} (${(error as NodeJS.ErrnoException).code ?? 'error'}); nothing was changed`,
    );
  }
  try {
    // The rename itself is durable once the directory is flushed (not possible everywhere).
    const dirFd = openSync(dir, 'r');
    try {
      fsyncSync(dirFd);
    } finally {
      closeSync(dirFd);
    }
  } catch {
    // Best effort.
  }
}

function serialize(raw: KeysDocument['raw']): string {
  return `${JSON.stringify(raw, null, 2)}\n`;
}

function parseScopes(raw: string | undefined): string[] {
  const scopes = [
    ...new Set(
      (raw ?? '')
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    ),
  ];
  if (scopes.length === 0) {
    throw new UsageError(
      `create needs --scopes: what the key may do, comma-separated, among ${SCOPES.join(', ')} ` +
        '(for example --scopes functions:read,functions:invoke)',
      'create',
    );
  }
  const unknown = scopes.filter((s) => !isScope(s));
  if (unknown.length > 0) {
    const named = unknown.map((s) => JSON.stringify(s)).join(', ');
    throw new UsageError(
      `unknown scope${unknown.length === 1 ? '' : 's'} ${named}; valid scopes: ${SCOPES.join(', ')}`,
      'create',
    );
  }
  return scopes;
}

function parseName(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  const name = raw.trim();
  if (!name) throw new UsageError('--name must not be empty (leave it out for no name)', 'create');
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(name)) throw new UsageError('--name must be one line of printable text', 'create');
  if (name.length > NAME_MAX) throw new UsageError(`--name must be at most ${NAME_MAX} characters`, 'create');
  return name;
}

/** A rate given on the command line (`--rate-limit`, `--invoke-rate-limit`), as stored. */
function parseRateOption(option: string, raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  const rate = raw.trim().toLowerCase();
  if (rateProblem(rate)) throw new UsageError(`--${option} ${rateProblem(rate)!}`, 'create');
  return rate;
}

function describe(key: { id: string; name?: string }): string {
  return `${key.id}${key.name ? ` (${key.name})` : ''}`;
}

function create(
  file: string,
  values: { scopes?: string; name?: string; 'rate-limit'?: string; 'invoke-rate-limit'?: string },
  io: CommandIo,
): number {
  const scopes = parseScopes(values.scopes);
  const name = parseName(values.name);
  const rateLimit = parseRateOption('rate-limit', values['rate-limit']);
  const invokeRateLimit = parseRateOption('invoke-rate-limit', values['invoke-rate-limit']);
  const limits = {
    ...(rateLimit !== undefined ? { rateLimit } : {}),
    ...(invokeRateLimit !== undefined ? { invokeRateLimit } : {}),
  };
  const doc = readDocument(file, true) ?? { raw: { keys: [] }, keys: [] };
  const createdAt = io.now?.() ?? new Date();
  let created = generateKey(scopes, name, createdAt);
  while (doc.keys.some((k) => k.id === created.stored.id)) created = generateKey(scopes, name, createdAt);
  const stored: StoredKey = { ...created.stored, ...limits };
  writeFileAtomic(file, serialize({ ...doc.raw, keys: [...doc.raw.keys, stored] }));
  // The key alone on stdout (`npm run -s apikey -- create … > key.txt`); the rest is for people.
  io.stdout.write(`${created.key}\n`);
  io.stderr.write(
    `Created key ${describe(created.stored)} with scopes ${scopes.join(',')}${limitsText(limits)} in ${file}.\n` +
      'This is the only time the key is shown: keep it now. Clients send it as Authorization: Bearer <key>.\n',
  );
  return 0;
}

/** ` and rate limit 1200/min` for what create was given; empty without limits. */
function limitsText(limits: { rateLimit?: string; invokeRateLimit?: string }): string {
  const parts = [
    ...(limits.rateLimit !== undefined ? [`rate limit ${limits.rateLimit}`] : []),
    ...(limits.invokeRateLimit !== undefined ? [`invoke rate limit ${limits.invokeRateLimit}`] : []),
  ];
  return parts.length > 0 ? ` and ${parts.join(', ')}` : '';
}

function shownDate(createdAt: string | undefined): string {
  if (!createdAt) return '-';
  return /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z$/.test(createdAt) ? createdAt.replace(/\.\d+Z$/, 'Z') : createdAt;
}

function list(file: string, io: CommandIo): number {
  const doc = readDocument(file, false);
  if (!doc) {
    io.stdout.write(`No API keys: ${file} does not exist yet (create one with: ${RUN} create --scopes …).\n`);
    return 0;
  }
  if (doc.keys.length === 0) {
    io.stdout.write(`No API keys in ${file}.\n`);
    return 0;
  }
  const rows = [
    ['ID', 'NAME', 'SCOPES', 'CREATED'],
    ...doc.keys.map((k) => [k.id, k.name ?? '-', k.scopes.join(','), shownDate(k.createdAt)]),
  ];
  const widths = [0, 1, 2].map((column) => Math.max(...rows.map((row) => row[column]!.length)));
  io.stdout.write(
    rows.map((row) => row.map((cell, i) => (i < 3 ? cell.padEnd(widths[i]!) : cell)).join('  ')).join('\n') + '\n',
  );
  io.stderr.write(`${doc.keys.length} API key${doc.keys.length === 1 ? '' : 's'} in ${file}.\n`);
  return 0;
}

function revoke(file: string, id: string | undefined, io: CommandIo): number {
  if (id === undefined)
    throw new UsageError(`revoke needs the id of the key (the first column of ${RUN} list)`, 'revoke');
  if (!KEY_ID_PATTERN.test(id)) {
    // Never echo what was given: it may be the whole key.
    const whole = /^ncfgw_([0-9a-f]{8})_/.exec(id);
    throw new UsageError(
      whole
        ? `that is a whole key; revoke takes its id, ${whole[1]} (${RUN} revoke ${whole[1]})`
        : `a key id is 8 hex digits (the first column of ${RUN} list)`,
      'revoke',
    );
  }
  const doc = readDocument(file, true);
  if (!doc) throw new Failure(`no key ${id}: ${file} does not exist`);
  const key = doc.keys.find((k) => k.id === id);
  if (!key) throw new Failure(`no key ${id} in ${file} (${RUN} list shows the ids)`);
  const keys = doc.raw.keys.filter((entry) => (entry as { id?: unknown } | null)?.id !== id);
  writeFileAtomic(file, serialize({ ...doc.raw, keys }));
  io.stdout.write(
    `Revoked key ${describe(key)} in ${file}. ` +
      'A running gateway reading this file refuses it as soon as it sees the change.\n',
  );
  return 0;
}

/** Runs one command line (the arguments after `npm run apikey --`); returns the exit code. */
export function runApiKeyCommand(argv: readonly string[], io: CommandIo): number {
  const seen: { command?: Command } = {};
  try {
    return dispatch(argv, io, seen);
  } catch (error) {
    if (error instanceof UsageError) {
      const about = error.command ?? seen.command;
      const help = `${RUN} ${about ? `${about} ` : ''}--help`;
      io.stderr.write(`apikey${about ? ` ${about}` : ''}: ${error.message}\nRun \`${help}\` for usage.\n`);
      return 2;
    }
    if (error instanceof Failure) {
      io.stderr.write(`apikey${seen.command ? ` ${seen.command}` : ''}: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
}

function isCommand(word: string): word is Command {
  return (COMMANDS as readonly string[]).includes(word);
}

/** The command line, parsed; a number when it was a request for help that is already answered. */
function parseOrHelp(argv: readonly string[], io: CommandIo): ReturnType<typeof parse> | number {
  try {
    return parse(argv);
  } catch (error) {
    // Asking for help wins over a line that does not parse.
    if (argv.includes('--help') || argv.includes('-h')) {
      const named = argv.find(isCommand);
      io.stdout.write(named ? commandHelp(named, io.env) : mainHelp(io.env));
      return 0;
    }
    throw argumentError(error);
  }
}

/** `help [<command>]`. */
function help(topic: string | undefined, io: CommandIo, file: string | undefined): number {
  if (topic === undefined) io.stdout.write(mainHelp(io.env, file));
  else if (isCommand(topic)) io.stdout.write(commandHelp(topic, io.env, file));
  else throw new UsageError(`no help on "${topic}": the commands are create, list and revoke`);
  return 0;
}

function dispatch(argv: readonly string[], io: CommandIo, seen: { command?: Command }): number {
  const parsed = parseOrHelp(argv, io);
  if (typeof parsed === 'number') return parsed;
  const { values, positionals } = parsed;
  const [first, ...rest] = positionals;
  if (first === undefined) {
    if (values.help) return help(undefined, io, values.file);
    io.stderr.write(`A command is needed: create, list or revoke.\n\n${mainHelp(io.env)}`);
    return 2;
  }
  if (first === 'help') return help(rest[0], io, values.file);
  if (!isCommand(first)) throw new UsageError(`unknown command "${first}": the commands are create, list and revoke`);
  const command = first;
  seen.command = command;
  if (values.help) return help(command, io, values.file);
  const stray = Object.keys(values).find((option) => option !== 'help' && !ALLOWED[command].includes(option));
  if (stray) throw new UsageError(`${command} does not take --${stray}`, command);
  if (rest.length > (command === 'revoke' ? 1 : 0)) {
    const why = command === 'revoke' ? 'revoke takes one key id' : `${command} takes no arguments besides its options`;
    throw new UsageError(why, command);
  }
  const file = keysFileFrom(values.file, io.env);
  switch (command) {
    case 'create':
      return create(file, values, io);
    case 'list':
      return list(file, io);
    case 'revoke':
      return revoke(file, rest[0], io);
  }
}

function parse(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    options: {
      scopes: { type: 'string' },
      name: { type: 'string' },
      file: { type: 'string' },
      'rate-limit': { type: 'string' },
      'invoke-rate-limit': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    allowPositionals: true,
    strict: true,
  });
}
