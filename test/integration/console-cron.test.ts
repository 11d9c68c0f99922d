// A cron trigger firing on the emulator's own timer, sped up (cronTimeScale: an every-minute schedule
// fires about every 17 ms), seen through the gateway: the firings listed under the trigger, and the runs
// they started listed under the linked action (package001/hello), each with the trigger's parameter.
import { SEED_TRIGGER } from '../../src/emulators/cloudfunctions/seed';
import { useHarness } from '../helpers/gateway';

const READ = `{
  trigger(name: "${SEED_TRIGGER}") { name cron actions { name } activations(pageSize: 5) { totalCount nodes { name } } }
  action(package: "package001", name: "hello") { activations(pageSize: 5) { totalCount nodes { name success result } } }
}`;

async function eventually<T>(probe: () => Promise<T | undefined>, ms: number): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error(`not within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const TRIGGERED_GREETING = 'Hello, the every-minute trigger from NAVER Cloud!';

describe('a cron trigger on the sped-up emulator clock', () => {
  const h = useHarness({ emulator: { cronTimeScale: 3600 } });

  it('fires by itself: its firings under the trigger, their runs under the linked action', async () => {
    const seen = await eventually(async () => {
      const res = await h.gql(READ);
      const data = res.body.data;
      return data?.trigger.activations.totalCount >= 2 && data.action.activations.totalCount >= 2 ? data : undefined;
    }, 10_000);
    expect(seen.trigger.name).toBe(SEED_TRIGGER);
    expect(seen.trigger.cron).toBe('* * * * *');
    expect(seen.trigger.actions).toEqual([{ name: 'hello' }]);
    expect(new Set(seen.trigger.activations.nodes.map((n: { name: string }) => n.name))).toEqual(
      new Set([SEED_TRIGGER]),
    );
    // The trigger's parameter `name` is above the package's default in what the run received.
    for (const run of seen.action.activations.nodes) {
      expect(run).toEqual({ name: 'hello', success: true, result: { greeting: TRIGGERED_GREETING } });
    }
  });
});
