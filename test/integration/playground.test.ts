/**
 * The offline playground: the page and every asset come from the gateway itself, graphql-ws's
 * browser build among them (subscriptions); with GATEWAY_AUTH=apikey (and, for the page alone, jwt)
 * the page says what to put in the Headers pane and prefills it.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { generateKey } from '../../src/auth/apikeys';
import { AUTH_HEADERS_TEMPLATE, renderPlaygroundHtml } from '../../src/playground';
import { startHarness, type Harness } from '../helpers/gateway';
import { EXPECTED_TABS } from '../helpers/playground-tabs';

const PAGE_SCRIPTS = [
  '/graphiql/react.js',
  '/graphiql/react-dom.js',
  '/graphiql/graphiql.js',
  '/graphiql/graphql-ws.js',
  '/graphiql/boot.js',
];

/** The settings block the page's script reads. */
function pageConfig(html: string): any {
  return JSON.parse(html.match(/<script type="application\/json" id="playground-config">(.*?)<\/script>/s)![1]!);
}

/** The auth banner's text, tags removed and entities decoded; undefined when the page has none. */
function bannerText(html: string): string | undefined {
  const banner = html.match(/<div id="playground-auth" role="note">(.*?)<\/div>/s)?.[1];
  return banner
    ?.replace(/<[^>]+>/g, '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ')
    .trim();
}

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
    expect(srcs).toEqual(['data:,', '/graphiql/graphiql.css', ...PAGE_SCRIPTS]);
    // The page's own script is a module (its own scope), loaded after the UMD globals it uses.
    expect(html).toContain('<script type="module" src="/graphiql/boot.js"></script>');
    expect(html).not.toMatch(/https?:\/\//);
    expect(html).not.toMatch(/<script>(?!<\/script>)/); // no inline script: the CSP forbids it
    for (const src of srcs.filter((s) => s.startsWith('/'))) {
      const asset = await request(`${origin}${src}`);
      const body = await asset.body.arrayBuffer();
      expect([src, asset.statusCode]).toEqual([src, 200]);
      expect(body.byteLength).toBeGreaterThan(src.endsWith('boot.js') ? 100 : 5_000);
      expect(asset.headers['content-type']).toMatch(src.endsWith('.css') ? /^text\/css/ : /^text\/javascript/);
    }
  });

  it('opens with the example operations, the slow-run walk-through after InvokeAction, no auth banner', async () => {
    const html = await (await request(h.url, { headers: { accept: 'text/html' } })).body.text();
    const config = pageConfig(html);
    expect(config.endpoint).toBe('/graphql');
    expect(config.auth).toBeNull();
    expect(bannerText(html)).toBeUndefined();
    expect(config.tabs.map((t: { query: string }) => t.query.match(/(query|mutation|subscription) (\w+)/)![2])).toEqual(
      EXPECTED_TABS,
    );
  });

  it("serves graphql-ws's browser build (the global graphqlWs) and the boot script that uses it", async () => {
    const ws = await request(`${origin}/graphiql/graphql-ws.js`);
    const text = await ws.body.text();
    expect(ws.statusCode).toBe(200);
    expect(text).toContain('.graphqlWs={}');
    const boot = await (await request(`${origin}/graphiql/boot.js`)).body.text();
    expect(boot).toContain('graphqlWs.createClient({');
    expect(boot).toContain("socketUrl.protocol = endpoint.protocol === 'https:' ? 'wss:' : 'ws:';");
  });

  it('still answers GraphQL GET requests that do not ask for HTML (with the CSRF-prevention header)', async () => {
    const url = `${h.url}?query=${encodeURIComponent('{ packages { name } }')}`;
    const blocked = await request(url, { headers: { accept: 'application/json' } });
    await blocked.body.dump();
    expect(blocked.statusCode).toBe(400);
    const res = await request(url, { headers: { accept: 'application/json', 'apollo-require-preflight': 'true' } });
    expect(res.statusCode).toBe(200);
    expect(await res.body.json()).toEqual({
      data: { packages: [{ name: 'examples' }, { name: 'package001' }, { name: 'package003' }] },
    });
  });

  it('answers 404 for unknown assets', async () => {
    const res = await request(`${origin}/graphiql/nope.js`);
    await res.body.dump();
    expect(res.statusCode).toBe(404);
  });
});

describe('playground with GATEWAY_AUTH=apikey', () => {
  let keyed: Harness;
  let dir: string;
  const key = generateKey(['functions:read'], 'playground');

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gw-playground-keys-'));
    const file = join(dir, 'keys.json');
    writeFileSync(file, JSON.stringify({ keys: [key.stored] }));
    keyed = await startHarness({ env: { GATEWAY_AUTH: 'apikey', GATEWAY_API_KEYS_FILE: file } });
  });
  afterAll(async () => {
    await keyed?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves the page and its assets without a key, saying what to put in Headers, prefilled', async () => {
    const res = await request(keyed.url, { headers: { accept: 'text/html' } });
    const html = await res.body.text();
    expect(res.statusCode).toBe(200);
    expect(bannerText(html)).toBe(
      'This gateway needs an API key. In Headers, under the query editor, replace <paste your API key or token here> ' +
        'with your API key (ncfgw_…; npm run apikey:create makes one). ' +
        'Queries, Docs and subscriptions all send it; ' +
        'the schema loads as soon as you stop typing.',
    );
    expect(pageConfig(html).auth).toEqual({
      mode: 'apikey',
      credential: 'your API key',
      example: '{"Authorization": "Bearer ncfgw_…"}',
      placeholder: '<paste your API key or token here>',
      headers: '{"Authorization": "Bearer <paste your API key or token here>"}',
    });
    for (const src of PAGE_SCRIPTS) {
      const asset = await request(`${new URL(keyed.url).origin}${src}`);
      await asset.body.dump();
      expect([src, asset.statusCode]).toEqual([src, 200]);
    }
  });

  it('refuses introspection with the template unchanged (401: what to send), answers it with the key', async () => {
    const query = '{ __schema { queryType { name } } }';
    const template = JSON.parse(AUTH_HEADERS_TEMPLATE) as Record<string, string>;
    const unchanged = await keyed.gql(query, undefined, template);
    expect(unchanged.status).toBe(401);
    expect(unchanged.body.errors?.map((e) => [e.extensions?.code, e.message])).toEqual([
      ['UNAUTHENTICATED', 'An API key is required: send Authorization: Bearer <key>.'],
    ]);
    const pasted = await keyed.gql(query, undefined, { Authorization: `Bearer ${key.key}` });
    expect([pasted.status, pasted.body]).toEqual([200, { data: { __schema: { queryType: { name: 'Query' } } } }]);
  });
});

describe('playground page for GATEWAY_AUTH=jwt', () => {
  it('asks for a bearer token, with the same Authorization template', () => {
    const html = renderPlaygroundHtml('/graphql', { authMode: 'jwt' });
    expect(bannerText(html)).toBe(
      'This gateway needs a bearer token. ' +
        'In Headers, under the query editor, replace <paste your API key or token here> ' +
        'with an access token (a JWT) from your identity provider. Queries, Docs and subscriptions all send it; ' +
        'the schema loads as soon as you stop typing.',
    );
    expect(pageConfig(html).auth).toEqual({
      mode: 'jwt',
      credential: 'a bearer token (JWT)',
      example: '{"Authorization": "Bearer eyJ…"}',
      placeholder: '<paste your API key or token here>',
      headers: AUTH_HEADERS_TEMPLATE,
    });
  });
});
