/** The offline playground: the page and every asset come from the gateway itself. */
import { request } from 'undici';
import { startHarness, type Harness } from '../helpers/gateway';

let h: Harness;
let origin: string;
beforeAll(async () => {
  h = await startHarness();
  origin = new URL(h.url).origin;
});
afterAll(() => h.close());

describe('playground', () => {
  it("serves GraphiQL to a browser's GET /graphql, referencing only its own assets", async () => {
    const res = await request(h.url, { headers: { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' } });
    const html = await res.body.text();
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.headers['content-security-policy']).toContain("script-src 'self'");
    const srcs = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    // The favicon is an empty data: URL, so the browser asks nothing else.
    expect(srcs).toEqual(['data:,', '/graphiql/graphiql.css', '/graphiql/react.js', '/graphiql/react-dom.js', '/graphiql/graphiql.js', '/graphiql/boot.js']);
    expect(html).not.toMatch(/https?:\/\//);
    expect(html).not.toMatch(/<script>(?!<\/script>)/); // no inline script: the CSP forbids it
    for (const src of srcs.filter((s) => s.startsWith('/'))) {
      const asset = await request(`${origin}${src}`);
      const body = await asset.body.arrayBuffer();
      expect([src, asset.statusCode]).toEqual([src, 200]);
      expect(body.byteLength).toBeGreaterThan(src.endsWith('boot.js') ? 100 : 10_000);
      expect(asset.headers['content-type']).toMatch(src.endsWith('.css') ? /^text\/css/ : /^text\/javascript/);
    }
  });

  it('opens with the example operations', async () => {
    const html = await (await request(h.url, { headers: { accept: 'text/html' } })).body.text();
    const config = JSON.parse(html.match(/<script type="application\/json" id="playground-config">(.*?)<\/script>/s)![1]!);
    expect(config.endpoint).toBe('/graphql');
    expect(config.tabs.map((t: { query: string }) => t.query.match(/(query|mutation|subscription) (\w+)/)![2])).toEqual(
      ['ListPackages', 'PackageDetail', 'ActionDetail', 'ActivationDetail', 'InvokeAction', 'ActivationCompleted', 'ServerHistory'],
    );
  });

  it('still answers GraphQL GET requests that do not ask for HTML (with the CSRF-prevention header)', async () => {
    const url = `${h.url}?query=${encodeURIComponent('{ packages { name } }')}`;
    const blocked = await request(url, { headers: { accept: 'application/json' } });
    await blocked.body.dump();
    expect(blocked.statusCode).toBe(400);
    const res = await request(url, { headers: { accept: 'application/json', 'apollo-require-preflight': 'true' } });
    expect(res.statusCode).toBe(200);
    expect(await res.body.json()).toEqual({ data: { packages: [{ name: 'examples' }, { name: 'package001' }, { name: 'package003' }] } });
  });

  it('answers 404 for unknown assets', async () => {
    const res = await request(`${origin}/graphiql/nope.js`);
    await res.body.dump();
    expect(res.statusCode).toBe(404);
  });
});
