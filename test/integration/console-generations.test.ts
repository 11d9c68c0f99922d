// The console's writes on the v2.0 generation (/api/v2: no `type` query, the type said by `web` and
// `exec.kind`, trigger bodies wrapped in `trigger`, `Cron` capitalised), and the response cache
// (GATEWAY_RESPONSE_CACHE_TTL_MS) dropping what a write touched, so that the answer after it sees it.
import { useHarness } from '../helpers/gateway';

describe('console writes on v2.0', () => {
  const h = useHarness({ basePath: '/api/v2' });

  it('creates a package, a web action, a sequence and a cron trigger with the v2.0 bodies', async () => {
    const pkg = await h.gql('mutation { createPackage(input: { name: "g20" }) { name } }');
    expect(pkg.body).toEqual({ data: { createPackage: { name: 'g20' } } });
    h.resetCalls();
    const web = await h.gql(
      'mutation { createAction(input: { package: "g20", name: "w", type: WEB, rawHttp: true, ' +
        'code: { kind: "nodejs:22", source: "function main() { return {}; }" } }) { name type } }',
    );
    expect(web.body).toEqual({ data: { createAction: { name: 'w', type: 'web' } } });
    expect(h.upstreamCalls()).toEqual([
      'GET /api/v2/packages/g20?platform=vpc',
      'GET /api/v2/packages/g20/actions/w?platform=vpc',
      'PUT /api/v2/packages/g20/actions/w?platform=vpc',
    ]);
    expect(h.emulator.store.getAction('g20', 'w')?.type).toBe('web');
    const seq = await h.gql(
      'mutation { createAction(input: { package: "g20", name: "s", type: SEQUENCE, components: ["g20/w"] }) { type } }',
    );
    expect(seq.body).toEqual({ data: { createAction: { type: 'sequence' } } });
    expect(h.emulator.store.getAction('g20', 's')?.type).toBe('sequence');
    // The type is read back from the v2.0 list (web: true) on update.
    const updated = await h.gql(
      'mutation { updateAction(input: { package: "g20", name: "w", type: WEB, limits: { memoryMb: 256 } }) ' +
        '{ type limits { memoryMb } } }',
    );
    expect(updated.body).toEqual({ data: { updateAction: { type: 'web', limits: { memoryMb: 256 } } } });
    h.resetCalls();
    const trigger = await h.gql(
      'mutation { createTrigger(input: { name: "gt20", type: CRON, cron: "0 10 * * 1" }) { name type cron } }',
    );
    expect(trigger.body).toEqual({ data: { createTrigger: { name: 'gt20', type: 'CRON', cron: '0 10 * * 1' } } });
    expect(h.upstreamCalls()).toContain('PUT /api/v2/triggers/gt20?platform=vpc&type=cron');
    expect(h.emulator.store.getTrigger('gt20')?.cronOption).toBe('0 10 * * 1');
  });
});

describe('the response cache after a write', () => {
  const h = useHarness({ env: { GATEWAY_RESPONSE_CACHE_TTL_MS: '60000', GATEWAY_DEDUPE: 'false' } });

  it('drops the answers a write touched: the next one reads the upstream and sees the write', async () => {
    const query = '{ packages { name } }';
    const first = await h.gql(query);
    expect(first.body.data.packages.map((p: { name: string }) => p.name)).not.toContain('rc1');
    await h.gql(query);
    expect(h.upstreamCalls()).toEqual(['GET /ncf/api/v2/packages?platform=vpc']);
    expect((await h.gql('mutation { createPackage(input: { name: "rc1" }) { name } }')).body.errors).toBeUndefined();
    h.resetCalls();
    const after = await h.gql(query);
    expect(after.body.data.packages.map((p: { name: string }) => p.name)).toContain('rc1');
    expect(h.upstreamCalls()).toEqual(['GET /ncf/api/v2/packages?platform=vpc']);
  });
});
