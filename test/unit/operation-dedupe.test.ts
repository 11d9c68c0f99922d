/**
 * Unit tests of src/pipeline/operation-dedupe: what makes two operations identical (the key), the
 * answer each follower sends (its own requestId), and the life of an operation in flight (leader,
 * followers, a follower that leaves, a leader that fails, a write that makes it stale), with plain
 * objects for contexts: no server, no clock.
 */
import { createHash } from 'node:crypto';
import { OperationReads, type GatewayContext } from '../../src/context';
import type { FleetEngine } from '../../src/fleet/engine';
import {
  candidatePrefixes,
  MAX_PENDING,
  MemoryResponseCache,
  RedisResponseCache,
} from '../../src/pipeline/response-cache';
import {
  answerFor,
  canonicalJson,
  credentialId,
  OperationDedupe,
  operationKey,
  SharedAnswers,
  type OperationIdentity,
  type SharedAnswer,
} from '../../src/pipeline/operation-dedupe';

const BASE: OperationIdentity = {
  documentHash: 'a'.repeat(64),
  operationName: 'Packages',
  variables: { name: 'package001', platform: 'VPC' },
  principal: { kind: 'apikey', scopes: new Set(['functions:read', 'compute:read']) },
  credential: credentialId('https://cloudfunctions.example/ncf/api/v2 KEY', 'keystone user:demo'),
};

describe('canonicalJson', () => {
  it('sorts object keys at every depth and keeps array order', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: null } })).toBe(
      '{"a":{"c":null,"d":[3,{"y":2,"z":1}]},"b":1}',
    );
    expect(canonicalJson([2, 1])).not.toBe(canonicalJson([1, 2]));
  });

  it('writes what JSON would: undefined properties dropped, undefined in arrays as null', () => {
    expect(canonicalJson({ a: undefined, b: [undefined, 'x'] })).toBe('{"b":[null,"x"]}');
    expect(canonicalJson(undefined)).toBe('null');
    expect(canonicalJson('é"')).toBe(JSON.stringify('é"'));
  });
});

describe('operationKey', () => {
  const key = (change: Partial<OperationIdentity>) => operationKey({ ...BASE, ...change });

  it('is a sha256 in hex', () => {
    expect(key({})).toMatch(/^[0-9a-f]{64}$/);
  });

  it('does not depend on the order of the variables’ keys, nor of the scopes', () => {
    expect(key({ variables: { platform: 'VPC', name: 'package001' } })).toBe(key({}));
    expect(key({ principal: { kind: 'apikey', scopes: new Set(['compute:read', 'functions:read']) } })).toBe(key({}));
  });

  it('is the same for two principals with the same scopes (the scope set, not the identity)', () => {
    const one = { kind: 'apikey' as const, id: 'key-1', scopes: new Set(['functions:read']) };
    const two = { kind: 'jwt' as const, id: 'subject-2', scopes: new Set(['functions:read']) };
    expect(key({ principal: one })).toBe(key({ principal: two }));
  });

  it('takes no variables and empty variables as the same', () => {
    expect(key({ variables: undefined })).toBe(key({ variables: {} }));
  });

  it('differs with the document, a variable, the operation name, the scope set, anonymity, the credential', () => {
    const keys = [
      key({}),
      key({ documentHash: 'b'.repeat(64) }),
      key({ variables: { name: 'package003', platform: 'VPC' } }),
      key({ operationName: 'Other' }),
      key({ operationName: undefined }),
      key({ principal: { kind: 'apikey', scopes: new Set(['functions:read']) } }),
      key({ principal: { kind: 'anonymous', scopes: new Set(['functions:read', 'compute:read']) } }),
      key({ credential: credentialId('https://cloudfunctions.example/ncf/api/v2 OTHER', 'keystone user:demo') }),
    ];
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('never contains the credential: credentialId is a 32-digit hash', () => {
    expect(credentialId('https://x KEY-ID', 'user:demo')).toMatch(/^[0-9a-f]{32}$/);
  });
});

describe('answerFor: what each operation sends of a shared answer', () => {
  const answer: SharedAnswer = {
    result: {
      data: { packages: null },
      errors: [
        { message: 'One.', path: ['packages'], extensions: { code: 'UPSTREAM_TIMEOUT', requestId: 'leader' } },
        { message: 'Two.', extensions: { code: 'FORBIDDEN' } },
      ],
    },
  };

  it('puts the follower’s own requestId on every error, and leaves the shared answer as it was', () => {
    const before = JSON.stringify(answer);
    const one = answerFor(answer, 'follower-1');
    const two = answerFor(answer, 'follower-2');
    expect(one).toEqual({
      data: { packages: null },
      errors: [
        { message: 'One.', path: ['packages'], extensions: { code: 'UPSTREAM_TIMEOUT', requestId: 'follower-1' } },
        { message: 'Two.', extensions: { code: 'FORBIDDEN', requestId: 'follower-1' } },
      ],
    });
    expect(two.errors!.map((e) => e.extensions!.requestId)).toEqual(['follower-2', 'follower-2']);
    expect(JSON.stringify(answer)).toBe(before);
  });

  it('an answer without errors is sent as it is, in a copy', () => {
    const clean: SharedAnswer = { result: { data: { a: 1 } } };
    const sent = answerFor(clean, 'x');
    expect(sent).toEqual({ data: { a: 1 } });
    expect(sent).not.toBe(clean.result);
  });
});

/** A context as the module uses it: signal, hold (counted), reads, principal. */
function fakeContext(scopes = ['functions:read']) {
  const controller = new AbortController();
  let holds = 0;
  const context = {
    requestId: Math.random().toString(36).slice(2),
    principal: { id: 'p', kind: 'apikey', scopes: new Set(scopes) },
    signal: controller.signal,
    reads: new OperationReads(),
    hold: () => {
      holds += 1;
      let released = false;
      return () => {
        if (!released) holds -= 1;
        released = true;
      };
    },
  } as unknown as GatewayContext;
  return { context, leave: () => controller.abort(), holds: () => holds };
}

const ANSWER: SharedAnswer = { result: { data: { packages: [{ name: 'examples' }] } } };

describe('OperationDedupe', () => {
  it('the first leads, the next follow and get its answer', async () => {
    const dedupe = new OperationDedupe();
    const leader = fakeContext();
    const joined = dedupe.join('k', leader.context);
    expect(joined.role).toBe('leader');
    const followers = [fakeContext(), fakeContext()].map((f) => dedupe.join('k', f.context));
    expect(followers.map((f) => f.role)).toEqual(['follower', 'follower']);
    // While followers wait, the leader is held (its client leaving would not cut it).
    expect(leader.holds()).toBe(1);
    if (joined.role !== 'leader') throw new Error('not a leader');
    joined.publish(ANSWER);
    for (const f of followers) if (f.role === 'follower') expect(await f.outcome).toBe(ANSWER);
    expect(leader.holds()).toBe(0);
    expect(dedupe.size).toBe(0);
    // Over: the next one leads again.
    expect(dedupe.join('k', fakeContext().context).role).toBe('leader');
  });

  it('a follower that leaves stops waiting; the leader is let go when the last one leaves', async () => {
    const dedupe = new OperationDedupe();
    const leader = fakeContext();
    const joined = dedupe.join('k', leader.context);
    const one = fakeContext();
    const two = fakeContext();
    const first = dedupe.join('k', one.context);
    const second = dedupe.join('k', two.context);
    if (first.role !== 'follower' || second.role !== 'follower' || joined.role !== 'leader') throw new Error('roles');
    one.leave();
    expect(await first.outcome).toBe('left');
    expect(leader.holds()).toBe(1);
    two.leave();
    expect(await second.outcome).toBe('left');
    expect(leader.holds()).toBe(0);
    // Still in flight: a new identical operation follows it.
    expect(dedupe.join('k', fakeContext().context).role).toBe('follower');
    joined.publish(ANSWER);
  });

  it('a follower whose signal aborted already does not wait at all', async () => {
    const dedupe = new OperationDedupe();
    const leader = fakeContext();
    dedupe.join('k', leader.context);
    const late = fakeContext();
    late.leave();
    const joined = dedupe.join('k', late.context);
    expect(joined.role === 'follower' && (await joined.outcome)).toBe('left');
    expect(leader.holds()).toBe(0);
  });

  it('a leader that fails tells its followers so', async () => {
    const dedupe = new OperationDedupe();
    const joined = dedupe.join('k', fakeContext().context);
    const follower = dedupe.join('k', fakeContext().context);
    if (joined.role !== 'leader' || follower.role !== 'follower') throw new Error('roles');
    joined.fail();
    joined.publish(ANSWER); // ignored: settled once
    expect(await follower.outcome).toBe('failed');
  });

  it('a write invalidating what the leader read: later operations start anew, those waiting keep theirs', async () => {
    const dedupe = new OperationDedupe();
    const leader = fakeContext();
    leader.context.reads.read('cloudfunctions /ncf/api/v2/packages/examples/actions/echo/activations?platform=vpc');
    const joined = dedupe.join('k', leader.context);
    const waiting = dedupe.join('k', fakeContext().context);
    dedupe.invalidate(['cloudfunctions /ncf/api/v2/packages/other/actions/echo/activations']);
    expect(dedupe.join('k', fakeContext().context).role).toBe('follower');
    dedupe.invalidate(['cloudfunctions /ncf/api/v2/packages/examples/actions/echo/activations']);
    const after = dedupe.join('k', fakeContext().context);
    expect(after.role).toBe('leader');
    if (joined.role !== 'leader' || waiting.role !== 'follower' || after.role !== 'leader') throw new Error('roles');
    joined.publish(ANSWER);
    expect(await waiting.outcome).toBe(ANSWER);
    // The old leader's end does not end the new one.
    expect(dedupe.size).toBe(1);
    after.publish(ANSWER);
    expect(dedupe.size).toBe(0);
  });
});

describe('SharedAnswers', () => {
  const request = (context: GatewayContext) => ({
    transport: 'http' as const,
    context,
    documentHash: 'd'.repeat(64),
    operationName: undefined,
    variables: {},
  });

  it('followers get the leader’s answer and are counted; each context knows how it was answered', async () => {
    const follows: string[] = [];
    const sharing = new SharedAnswers({
      dedupe: true,
      cache: undefined,
      credential: 'c',
      onFollow: (t) => follows.push(t),
    });
    const leader = fakeContext();
    const begun = await sharing.begin(request(leader.context));
    const followers = [fakeContext(), fakeContext()].map((f) => ({ f, begun: sharing.begin(request(f.context)) }));
    await Promise.resolve();
    expect(follows).toEqual(['http', 'http']);
    if (begun.kind !== 'execute') throw new Error('the first executes');
    begun.done(ANSWER);
    for (const { f, begun: next } of followers) {
      expect(await next).toEqual({ kind: 'answered', answer: ANSWER, from: 'shared' });
      expect(sharing.answeredFrom(f.context)).toBe('shared');
    }
    expect(sharing.answeredFrom(leader.context)).toBeUndefined();
  });

  it('another scope set, or another transport, is another operation', async () => {
    const sharing = new SharedAnswers({ dedupe: true, cache: undefined, credential: 'c' });
    const kinds = await Promise.all([
      sharing.begin(request(fakeContext(['functions:read']).context)),
      sharing.begin(request(fakeContext(['functions:read', 'functions:invoke']).context)),
      sharing.begin({ ...request(fakeContext(['functions:read']).context), transport: 'ws' }),
    ]);
    expect(kinds.map((k) => k.kind)).toEqual(['execute', 'execute', 'execute']);
  });

  it('when the leader has no answer, one follower leads the next attempt and the other follows it', async () => {
    const sharing = new SharedAnswers({ dedupe: true, cache: undefined, credential: 'c' });
    const first = await sharing.begin(request(fakeContext().context));
    const a = sharing.begin(request(fakeContext().context));
    const b = sharing.begin(request(fakeContext().context));
    await Promise.resolve();
    if (first.kind !== 'execute') throw new Error('the first executes');
    first.done(undefined);
    const next = await Promise.race([a, b]);
    if (next.kind !== 'execute') throw new Error('one of them executes');
    next.done(ANSWER);
    const both = await Promise.all([a, b]);
    expect(both.map((x) => x.kind).sort()).toEqual(['answered', 'execute']);
  });

  it('a follower that leaves is told so (its transport answers it at once)', async () => {
    const sharing = new SharedAnswers({ dedupe: true, cache: undefined, credential: 'c' });
    const first = await sharing.begin(request(fakeContext().context));
    const leaving = fakeContext();
    const waiting = sharing.begin(request(leaving.context));
    leaving.leave();
    expect(await waiting).toEqual({ kind: 'left' });
    if (first.kind === 'execute') first.done(ANSWER);
  });

  it('with the response cache: a leader keeps an answer without errors; the next one is answered from it', async () => {
    const cache = new MemoryResponseCache({ ttlMs: 60_000 });
    const sharing = new SharedAnswers({ dedupe: true, cache, credential: 'c' });
    const leader = fakeContext();
    leader.context.reads.read('cloudfunctions /ncf/api/v2/packages?platform=vpc');
    const begun = await sharing.begin(request(leader.context));
    if (begun.kind !== 'execute') throw new Error('a miss executes');
    begun.done(ANSWER);
    await Promise.resolve();
    const next = fakeContext();
    expect(await sharing.begin(request(next.context))).toEqual({ kind: 'answered', answer: ANSWER, from: 'cache' });
    expect(sharing.answeredFrom(next.context)).toBe('cache');
    await sharing.invalidate(['cloudfunctions /ncf/api/v2/packages']);
    expect((await sharing.begin(request(fakeContext().context))).kind).toBe('execute');
  });

  it('does not keep an answer with errors, or one of a read that did not answer 2xx', async () => {
    const cache = new MemoryResponseCache({ ttlMs: 60_000 });
    const sharing = new SharedAnswers({ dedupe: false, cache, credential: 'c' });
    const withError: SharedAnswer = { result: { data: { a: null }, errors: [{ message: 'x' }] } };
    const one = await sharing.begin(request(fakeContext().context));
    if (one.kind === 'execute') one.done(withError);
    const notFound = fakeContext();
    notFound.context.reads.unkept();
    const two = await sharing.begin(request(notFound.context));
    if (two.kind === 'execute') two.done(ANSWER);
    await Promise.resolve();
    expect(cache.size).toBe(0);
  });
});

describe('MemoryResponseCache', () => {
  it('keeps no answer made while a write invalidated anything (it may have read the state before it)', async () => {
    const cache = new MemoryResponseCache({ ttlMs: 60_000 });
    const { epoch } = await cache.get('k');
    await cache.invalidate(['cloudfunctions /ncf/api/v2/activations']);
    await cache.put('k', ANSWER, ['cloudfunctions /ncf/api/v2/packages?platform=vpc'], epoch!);
    expect(cache.size).toBe(0);
    const again = await cache.get('k');
    await cache.put('k', ANSWER, ['cloudfunctions /ncf/api/v2/packages?platform=vpc'], again.epoch!);
    expect((await cache.get('k')).answer).toBe(ANSWER);
  });

  it('drops the entries with a read under an invalidated prefix, and only those', async () => {
    const cache = new MemoryResponseCache({ ttlMs: 60_000 });
    const { epoch } = await cache.get('x');
    await cache.put(
      'echo',
      ANSWER,
      ['cloudfunctions /ncf/api/v2/packages/examples/actions/echo/activations?x=1'],
      epoch!,
    );
    await cache.put('list', ANSWER, ['cloudfunctions /ncf/api/v2/packages?platform=vpc'], epoch!);
    await cache.invalidate(['cloudfunctions /ncf/api/v2/packages/examples/actions/echo/activations']);
    expect((await cache.get('echo')).answer).toBeUndefined();
    expect((await cache.get('list')).answer).toBe(ANSWER);
  });

  it('is bounded in entries', async () => {
    const cache = new MemoryResponseCache({ ttlMs: 60_000, maxEntries: 2 });
    for (const key of ['a', 'b', 'c']) await cache.put(key, ANSWER, [], 0);
    expect(cache.size).toBe(2);
    expect((await cache.get('a')).answer).toBeUndefined();
  });
});

describe('RedisResponseCache while Redis is down (a stand-in engine: no server)', () => {
  const hash = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex').slice(0, 32);
  const ECHO = 'cloudfunctions /ncf/api/v2/packages/examples/actions/echo/activations';

  function engine() {
    const calls: Array<Array<string | number>> = [];
    let up = false;
    let told: ((up: boolean) => void) | undefined;
    const redis = {
      evalsha: async (...args: Array<string | number>) => {
        calls.push(args);
        return 1;
      },
    };
    const fake = {
      key: (...parts: string[]) => `p:${parts.join(':')}`,
      attempt: async (op: (r: typeof redis) => Promise<unknown>) => (up ? op(redis) : undefined),
      publish: async () => up,
      subscribe: () => () => undefined,
      onState: (listener: (up: boolean) => void) => {
        told = listener;
        return () => undefined;
      },
    };
    return {
      fake: fake as unknown as FleetEngine,
      calls,
      comeBack: async () => {
        up = true;
        told?.(true);
        await new Promise((r) => setImmediate(r));
      },
    };
  }

  it('bypasses every lookup (nothing to keep either), and replays its invalidations once Redis is back', async () => {
    const { fake, calls, comeBack } = engine();
    const outcomes: string[] = [];
    const cache = new RedisResponseCache(fake, { ttlMs: 60_000, onLookup: (o) => outcomes.push(o) });
    expect(await cache.get('k')).toEqual({ answer: undefined, epoch: undefined });
    expect(outcomes).toEqual(['bypass']);
    await cache.invalidate([ECHO]);
    expect(calls).toEqual([]);
    await comeBack();
    // The invalidation script, on the epoch key, with the prefix's hash.
    expect(calls).toHaveLength(1);
    expect(calls[0]!.slice(1, 3)).toEqual([1, 'p:resp:epoch']);
    expect(calls[0]!.slice(-1)).toEqual([hash(ECHO)]);
    cache.close();
  });

  it('past MAX_PENDING prefixes, replays one invalidation of everything', async () => {
    const { fake, calls, comeBack } = engine();
    const cache = new RedisResponseCache(fake, { ttlMs: 60_000 });
    await cache.invalidate(Array.from({ length: MAX_PENDING + 1 }, (_, i) => `${ECHO}${i}`));
    await comeBack();
    expect(calls).toHaveLength(1);
    expect(calls[0]!.slice(-1)).toEqual([hash('*')]);
    expect(candidatePrefixes([`${ECHO}?x=1`])).toContain('*');
    cache.close();
  });
});

describe('candidatePrefixes: what can drop an entry', () => {
  it('every prefix of each read ending before a / or ?, the read itself, and everything', () => {
    expect([...candidatePrefixes(['cloudfunctions /a/b?x=1'])]).toEqual([
      '*',
      'cloudfunctions ',
      'cloudfunctions /a',
      'cloudfunctions /a/b',
      'cloudfunctions /a/b?x=1',
    ]);
  });
});
