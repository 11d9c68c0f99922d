/**
 * Upstream call counts for the operation shapes the gateway promises (issue: batching through
 * DataLoader). Every count is exact: the emulator records each request it receives.
 */
import { startHarness, useHarness, withHarness } from '../helpers/gateway';

const h = useHarness();

describe('upstream calls per operation', () => {
  it('{ packages { name description } } is 1 call', async () => {
    const res = await h.gql('{ packages { name description } }');
    expect(res.body).toEqual({
      data: {
        packages: [
          { name: 'examples', description: 'One action per activation outcome' },
          { name: 'package001', description: 'Sample package' },
          { name: 'package003', description: 'Documented example package' },
        ],
      },
    });
    expect(h.upstreamCalls()).toEqual(['GET /ncf/api/v2/packages?platform=vpc']);
  });

  it('fields the list already carries (name, description, platform) never trigger a detail call', async () => {
    const res = await h.gql('{ packages { name description platform } }');
    expect(res.body.data.packages[1]).toEqual({ name: 'package001', description: 'Sample package', platform: 'VPC' });
    expect(h.upstreamCalls()).toHaveLength(1);
  });

  it('{ packages { name actions { name } } } is 1 + N calls', async () => {
    const res = await h.gql('{ packages { name actions { name } } }');
    expect(res.body.data.packages).toEqual([
      {
        name: 'examples',
        actions: ['crash', 'echo', 'fail', 'python', 'slow', 'sum', 'timeout'].map((name) => ({ name })),
      },
      { name: 'package001', actions: [{ name: 'hello' }] },
      { name: 'package003', actions: [{ name: 'action000' }] },
    ]);
    expect(h.upstreamCalls().sort()).toEqual([
      'GET /ncf/api/v2/packages/examples/actions?platform=vpc',
      'GET /ncf/api/v2/packages/package001/actions?platform=vpc',
      'GET /ncf/api/v2/packages/package003/actions?platform=vpc',
      'GET /ncf/api/v2/packages?platform=vpc',
    ]);
  });

  it('the same package asked for twice in one operation is fetched once', async () => {
    const res = await h.gql(`{
      a: package(name: "package001") { name description }
      b: package(name: "package001") { parameters }
      c: package(name: "package001") { resourceId }
    }`);
    expect(res.body.data).toEqual({
      a: { name: 'package001', description: 'Sample package' },
      b: { parameters: { name: 'Cloud Functions', place: 'NAVER Cloud' } },
      c: { resourceId: expect.any(String) },
    });
    expect(h.upstreamCalls()).toEqual(['GET /ncf/api/v2/packages/package001?platform=vpc']);
  });

  it('a package detail that carries its actions answers actions { name } with no further call', async () => {
    const res = await h.gql('{ package(name: "package001") { parameters actions { name description } } }');
    expect(res.body.data.package.actions).toEqual([
      { name: 'hello', description: 'Greets with the package default parameters' },
    ]);
    expect(h.upstreamCalls()).toEqual(['GET /ncf/api/v2/packages/package001?platform=vpc']);
  });

  it('a detail field on listed packages costs one detail call per package, each once', async () => {
    const res = await h.gql('{ packages { name parameters resourceId } }');
    expect(res.body.data.packages[1].parameters).toEqual({ name: 'Cloud Functions', place: 'NAVER Cloud' });
    expect(h.upstreamCalls().sort()).toEqual([
      'GET /ncf/api/v2/packages/examples?platform=vpc',
      'GET /ncf/api/v2/packages/package001?platform=vpc',
      'GET /ncf/api/v2/packages/package003?platform=vpc',
      'GET /ncf/api/v2/packages?platform=vpc',
    ]);
  });

  it('action fields carried by the list need no detail call; limits need one per action', async () => {
    const listed = await h.gql('{ package(name: "package003") { actions { name description type } } }');
    expect(listed.body.data.package.actions).toEqual([
      { name: 'action000', description: 'The documented example action', type: 'basic' },
    ]);
    expect(h.upstreamCalls()).toEqual(['GET /ncf/api/v2/packages/package003?platform=vpc']);

    h.resetCalls();
    const detailed = await h.gql(
      '{ package(name: "package003") { actions { name runtime limits { timeoutMs memoryMb } } } }',
    );
    expect(detailed.body.data.package.actions).toEqual([
      { name: 'action000', runtime: 'nodejs:16', limits: { timeoutMs: 60000, memoryMb: 256 } },
    ]);
    expect(h.upstreamCalls()).toEqual([
      'GET /ncf/api/v2/packages/package003?platform=vpc',
      'GET /ncf/api/v2/packages/package003/actions/action000?platform=vpc',
    ]);
  });

  it('activation list fields need no detail call; logs cost one call per activation', async () => {
    const q = (fields: string) =>
      '{ action(package: "package003", name: "action000") { activations(pageSize: 2) ' +
      `{ totalCount hasNextPage nodes { ${fields} } } } }`;
    const brief = await h.gql(q('id name durationMs status success'));
    const page = brief.body.data.action.activations;
    expect(page.totalCount).toBe(3);
    expect(page.hasNextPage).toBe(true);
    expect(page.nodes.map((n: any) => [n.name, n.durationMs, n.status, n.success])).toEqual([
      ['action000', 12, 'SUCCESS', true],
      ['action000', 7, 'SUCCESS', true],
    ]);
    expect(h.upstreamCalls()).toEqual([
      'GET /ncf/api/v2/packages/package003/actions/action000?platform=vpc',
      'GET /ncf/api/v2/packages/package003/actions/action000/activations?platform=vpc&pageNo=1&pageSize=2',
    ]);

    h.resetCalls();
    const full = await h.gql(q('id logs startedAt result'));
    expect(full.body.data.action.activations.nodes).toHaveLength(2);
    for (const node of full.body.data.action.activations.nodes) expect(node.result).toEqual({ payload: 'abc' });
    const calls = h.upstreamCalls();
    expect(calls).toHaveLength(4);
    for (const node of page.nodes) {
      expect(calls).toContain(
        `GET /ncf/api/v2/packages/package003/actions/action000/activations/${node.id}?platform=vpc`,
      );
    }
  });

  it('runs independent calls concurrently, under the per-request cap', async () => {
    const peak = async (env: Record<string, string>) => {
      const slow = await startHarnessWithLatency(env);
      try {
        await slow.gql('{ packages { name actions { name } parameters } }');
        return slow.emulator.peakInFlight;
      } finally {
        await slow.close();
      }
    };
    expect(await peak({ GATEWAY_UPSTREAM_CONCURRENCY: '1' })).toBe(1);
    // 3 packages x (detail + action list) = 6 independent calls after the list.
    expect(await peak({ GATEWAY_UPSTREAM_CONCURRENCY: '4' })).toBe(4);
    expect(await peak({ GATEWAY_UPSTREAM_CONCURRENCY: '8' })).toBe(6);
  });
});

function startHarnessWithLatency(env: Record<string, string>) {
  return startHarness({ env, emulator: { latencyMs: 30 } });
}

describe('many upstream calls in one operation', () => {
  it('runs 1 + 20 calls for 20 packages, all at once under the default cap', async () => {
    // Each answer takes 1 s: the 20 action lists all arrive while the first is still in flight,
    // however slowly this machine sends them (with 30 ms a busy machine once saw 18; with 300 ms, four
    // test workers on two cores did too).
    await withHarness({ env: { GATEWAY_DEDUPE: 'false' }, emulator: { latencyMs: 1_000 } }, async (h) => {
      for (let i = 0; i < 17; i++) {
        const name = `bulk${String(i).padStart(2, '0')}`;
        h.emulator.store.putPackage({ name, platform: 'vpc' });
        h.emulator.store.putAction({
          packageName: name,
          name: 'noop',
          exec: { code: 'function main() { return {}; }' },
        });
      }
      h.resetCalls();
      const res = await h.gql('{ packages { name actions { name } } }');
      expect(res.body.data.packages).toHaveLength(20);
      expect(h.upstreamCalls()).toHaveLength(21);
      expect(h.emulator.peakInFlight).toBe(20);
    });
  });
});
