/**
 * The apikey authenticator's reload: it swaps the keys when the file parses and keeps them when it
 * does not (saying why, never with a hash or the file's text), tells a change from a re-read,
 * reports the keys it withdrew (to whoever subscribed), and serializes overlapping reloads. And
 * the directory watch that triggers it: a file replaced by rename is seen, debounced to one call
 * (and bounded in time), a symlink's target directory is watched too, and where watching fails
 * the file is polled.
 */
import { EventEmitter } from 'node:events';
import { mkdtempSync, renameSync, symlinkSync, writeFileSync, type FSWatcher } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createAuthenticator, type Authenticator } from '../../src/auth';
import { generateKey, KEYS_WATCH_DEBOUNCE_MS, watchKeysFile, type StoredKey } from '../../src/auth/apikeys';

const reader = generateKey(['functions:read'], 'reader');
const ops = generateKey(['functions:read', 'compute:read'], 'ops');

function keysFile(keys: StoredKey[]): string {
  const file = join(mkdtempSync(join(tmpdir(), 'gw-keys-reload-')), 'api-keys.json');
  writeFileSync(file, JSON.stringify({ keys }));
  return file;
}

async function accepts(auth: Authenticator, key: string): Promise<string | false> {
  try {
    return (await auth.authenticate({ authorization: `Bearer ${key}` })).id;
  } catch {
    return false;
  }
}

describe('reloading the API keys', () => {
  it('accepts the keys of the new file, and reports the ones it withdrew', async () => {
    const file = keysFile([reader.stored]);
    const auth = createAuthenticator({ mode: 'apikey', keysFile: file });
    const withdrawn: string[][] = [];
    auth.onKeysWithdrawn!((ids) => withdrawn.push([...ids]));
    expect(await accepts(auth, ops.key)).toBe(false);

    writeFileSync(file, JSON.stringify({ keys: [reader.stored, ops.stored] }));
    expect(await auth.reload!()).toEqual({ ok: true, changed: true, keys: 2, withdrawn: [] });
    expect(await accepts(auth, ops.key)).toBe(ops.stored.id);
    expect(auth.keys).toBe(2);

    // The same content again: not a change.
    expect(await auth.reload!()).toEqual({ ok: true, changed: false, keys: 2, withdrawn: [] });

    // Revoking one key, and narrowing the other's scopes, withdraws both principals.
    writeFileSync(file, JSON.stringify({ keys: [{ ...ops.stored, scopes: ['functions:read'] }] }));
    expect(await auth.reload!()).toEqual({
      ok: true,
      changed: true,
      keys: 1,
      withdrawn: [reader.stored.id, ops.stored.id],
    });
    expect(await accepts(auth, reader.key)).toBe(false);
    expect((await auth.authenticate({ 'x-api-key': ops.key })).scopes).toEqual(new Set(['functions:read']));
    expect(withdrawn).toEqual([[reader.stored.id, ops.stored.id]]);
  });

  it('keeps the previous keys when the file does not parse or is missing, and says why without its text', async () => {
    const file = keysFile([reader.stored]);
    const auth = createAuthenticator({ mode: 'apikey', keysFile: file });
    writeFileSync(file, `{"keys": [{"id": "${ops.stored.id}", "sha256": "${ops.stored.sha256}"`);
    const broken = await auth.reload!();
    expect(broken).toEqual({
      ok: false,
      changed: true,
      keys: 1,
      withdrawn: [],
      error: 'GATEWAY_API_KEYS_FILE: is not valid JSON',
    });
    expect(await auth.reload!()).toEqual({ ...broken, changed: false });
    writeFileSync(file, JSON.stringify({ keys: [{ ...ops.stored, scopes: ['admin'] }] }));
    expect(await auth.reload!()).toEqual({
      ok: false,
      changed: true,
      keys: 1,
      withdrawn: [],
      error:
        'GATEWAY_API_KEYS_FILE: keys[0].scopes must list scopes among ' +
        'functions:read, functions:invoke, functions:write, functions:code:read, compute:read',
    });
    renameSync(file, `${file}.moved`);
    expect(await auth.reload!()).toEqual({
      ok: false,
      changed: true,
      keys: 1,
      withdrawn: [],
      error:
        `GATEWAY_API_KEYS_FILE: cannot read ${file} ` +
        '(ENOENT: create a key there with `npm run apikey -- create --scopes …`)',
    });
    expect(await accepts(auth, reader.key)).toBe(reader.stored.id);
  });

  it('runs overlapping reloads one after the other, the last one reading the last content', async () => {
    const file = keysFile([reader.stored]);
    const auth = createAuthenticator({ mode: 'apikey', keysFile: file });
    const first = auth.reload!();
    writeFileSync(file, JSON.stringify({ keys: [ops.stored] }));
    const second = auth.reload!();
    const outcomes = await Promise.all([first, second]);
    expect(outcomes[1]).toMatchObject({ ok: true, keys: 1 });
    expect(await accepts(auth, ops.key)).toBe(ops.stored.id);
    expect(await accepts(auth, reader.key)).toBe(false);
  });

  it('has nothing to reload in the other modes', () => {
    const auth = createAuthenticator({ mode: 'none', allowUnauthenticated: false });
    expect(auth.reload).toBeUndefined();
    expect(auth.onKeysWithdrawn).toBeUndefined();
  });
});

describe('watching the keys file', () => {
  it('calls back once per burst of changes, also for a file replaced by a rename, and not after close', async () => {
    const file = keysFile([]);
    let calls = 0;
    const watch = watchKeysFile(file, () => (calls += 1));
    try {
      const settle = () => new Promise((r) => setTimeout(r, KEYS_WATCH_DEBOUNCE_MS * 4));
      // An editor's save: a new file written next to it, then renamed over it; then an in-place write.
      writeFileSync(`${file}.swp`, '{"keys":[]}');
      renameSync(`${file}.swp`, file);
      writeFileSync(file, '{"keys": []}');
      await settle();
      expect(calls).toBe(1);
      // The watch survived the rename: the directory is watched, not the replaced file.
      writeFileSync(`${file}.new`, '{"keys":[ ]}');
      renameSync(`${file}.new`, file);
      await settle();
      expect(calls).toBe(2);
      watch.close();
      writeFileSync(file, '{}');
      await settle();
      expect(calls).toBe(2);
    } finally {
      watch.close();
    }
  });

  it('reads at the latest maxWaitMs after the first change, however busy the directory stays', async () => {
    const file = keysFile([]);
    let calls = 0;
    const watch = watchKeysFile(file, () => (calls += 1), { debounceMs: 50, maxWaitMs: 100 });
    try {
      // An event every 10 ms for 500 ms: never quiet for 50 ms, so only the 100 ms bound fires it.
      const busyUntil = Date.now() + 500;
      for (let i = 0; Date.now() < busyUntil; i++) {
        writeFileSync(join(dirname(file), 'other.log'), String(i));
        await new Promise((r) => setTimeout(r, 10));
      }
      expect(calls).toBeGreaterThanOrEqual(2);
    } finally {
      watch.close();
    }
  });

  it('sees a write to the target of a symlink in another directory', async () => {
    const target = keysFile([]);
    const link = join(mkdtempSync(join(tmpdir(), 'gw-keys-link-')), 'api-keys.json');
    symlinkSync(target, link);
    let calls = 0;
    const watch = watchKeysFile(link, () => (calls += 1), { debounceMs: 20 });
    try {
      // What `npm run apikey` does to a symlinked file: a new file renamed over the link's target.
      writeFileSync(`${target}.tmp`, '{"keys": []}');
      renameSync(`${target}.tmp`, target);
      await eventually(() => calls === 1);
    } finally {
      watch.close();
    }
  });

  it('polls the file when its directory cannot be watched, and says why once', async () => {
    const file = keysFile([]);
    const errors: string[] = [];
    let calls = 0;
    const watch = watchKeysFile(file, () => (calls += 1), {
      debounceMs: 20,
      pollIntervalMs: 50,
      onWatchError: (error) => errors.push(error.message),
      watchDirectory: () => {
        throw Object.assign(new Error('ENOSPC: System limit for number of file watchers reached'), { code: 'ENOSPC' });
      },
    });
    try {
      expect(errors).toEqual(['ENOSPC: System limit for number of file watchers reached']);
      await pollerStarted();
      writeFileSync(file, '{"keys": [ ]}');
      await eventually(() => calls === 1);
      writeFileSync(`${file}.new`, '{"keys":[]}');
      renameSync(`${file}.new`, file);
      await eventually(() => calls === 2);
      expect(errors).toHaveLength(1);
    } finally {
      watch.close();
    }
  });

  it('falls back to polling when a working watch fails later', async () => {
    const file = keysFile([]);
    const errors: string[] = [];
    const fake = Object.assign(new EventEmitter(), { closed: false, close: () => (fake.closed = true) });
    let calls = 0;
    const watch = watchKeysFile(file, () => (calls += 1), {
      debounceMs: 20,
      pollIntervalMs: 50,
      onWatchError: (error) => errors.push(error.message),
      watchDirectory: () => fake as unknown as FSWatcher,
    });
    try {
      fake.emit('error', new Error('EPERM: the directory went away'));
      expect(errors).toEqual(['EPERM: the directory went away']);
      expect(fake.closed).toBe(true);
      await pollerStarted();
      writeFileSync(file, '{"keys": [ ]}');
      await eventually(() => calls === 1);
    } finally {
      watch.close();
    }
  });
});

/**
 * fs.watchFile takes the file's first stat in the background; a write before it would be the
 * baseline, not a change. Nothing tells when it is taken: three polling intervals (50 ms) are ample.
 */
function pollerStarted(): Promise<void> {
  return new Promise((r) => setTimeout(r, 150));
}

async function eventually(check: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
