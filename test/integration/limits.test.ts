/** Operation limits and HTTP-level safety: rejected before any upstream call, with clear errors. */
import { request } from 'undici';
import { useHarness, withHarness } from '../helpers/gateway';

async function send(url: string, body: string, headers: Record<string, string>) {
  const res = await request(url, { method: 'POST', headers, body });
  const text = await res.body.text();
  return {
    status: res.statusCode,
    headers: res.headers,
    text,
    json: (() => {
      try {
        return JSON.parse(text);
      } catch {
        return undefined;
      }
    })(),
  };
}

describe('operation limits', () => {
  const h = useHarness();

  const expectRejected = async (query: string, code: string, message: RegExp) => {
    const res = await h.gql(query);
    expect(res.status).toBe(400);
    expect(res.body.data).toBeUndefined();
    expect(res.body.errors?.[0]?.extensions?.code).toBe(code);
    expect(res.body.errors?.[0]?.message).toMatch(message);
    expect(h.upstreamCalls()).toEqual([]);
  };

  it('limits depth to 8', async () => {
    const nine =
      '{ package(name: "package001") { actions { package { actions { package { actions ' +
      '{ package { actions { name } } } } } } } } }';
    await expectRejected(nine, 'GRAPHQL_VALIDATION_FAILED', /depth limit of 8 exceeded, found 9/);
    // Depth 8 is allowed (this one is cheap enough only with a higher cost limit).
    const eight =
      '{ package(name: "package001") { actions { package { actions { package { actions ' +
      '{ package { name } } } } } } } }';
    await withHarness({ env: { GATEWAY_MAX_COST: '1000000' } }, async (roomy) => {
      expect((await roomy.gql(eight)).body.errors).toBeUndefined();
    });
  });

  it('limits aliases to 15', async () => {
    const aliases = Array.from({ length: 16 }, (_, i) => `a${i}: package(name: "package001") { name }`).join(' ');
    await expectRejected(`{ ${aliases} }`, 'GRAPHQL_VALIDATION_FAILED', /Aliases limit of 15 exceeded, found 16/);
  });

  it('limits tokens to 1000', async () => {
    const fields = Array.from({ length: 400 }, () => '__typename').join(' ');
    await expectRejected(
      `{ ${fields} ${fields} ${fields} }`,
      'GRAPHQL_PARSE_FAILED',
      /Document contains more that 1000 tokens/,
    );
  });

  it('limits cost, counting list sizes', async () => {
    // 20 packages x 20 actions x 100 activations with their logs: far too many upstream calls.
    await expectRejected(
      '{ packages { actions { activations(pageSize: 100) { nodes { id logs } } } } }',
      'GRAPHQL_VALIDATION_FAILED',
      /^The operation is too expensive: its cost is \d+, the limit is 5000\./,
    );
    const res = await h.gql('{ packages { actions { name } } }');
    expect(res.body.errors).toBeUndefined();
  });

  it('limits directives', async () => {
    const many = Array.from({ length: 11 }, () => '@include(if: true)').join(' ');
    await expectRejected(
      `{ packages ${many} { name } }`,
      'GRAPHQL_VALIDATION_FAILED',
      /Directives limit of 10 exceeded/,
    );
  });
});

describe('HTTP safety', () => {
  const h = useHarness({ env: { GATEWAY_CORS_ORIGINS: 'https://app.example.com' } });

  const json = { 'content-type': 'application/json' };

  it('refuses HTTP batching', async () => {
    const res = await send(
      h.url,
      JSON.stringify([{ query: '{ packages { name } }' }, { query: '{ packages { name } }' }]),
      json,
    );
    expect(res.status).toBe(400);
    expect(h.upstreamCalls()).toEqual([]);
  });

  it('refuses bodies over 100 kB with 413', async () => {
    const res = await send(
      h.url,
      JSON.stringify({ query: '{ packages { name } }', variables: { pad: 'x'.repeat(110 * 1024) } }),
      json,
    );
    expect(res.status).toBe(413);
    expect(res.json.errors[0]).toMatchObject({
      message: 'The request body is too large.',
      extensions: { code: 'BAD_REQUEST' },
    });
  });

  it('refuses malformed JSON and unknown content types', async () => {
    const bad = await send(h.url, '{"query": ', json);
    expect(bad.status).toBe(400);
    expect(bad.json.errors[0]).toMatchObject({
      message: 'The request body is not valid JSON.',
      extensions: { code: 'BAD_REQUEST' },
    });
    const xml = await send(h.url, '<query/>', { 'content-type': 'application/xml' });
    expect(xml.status).toBe(415);
    expect(xml.json.errors[0]).toMatchObject({
      message: 'Unsupported content type: send application/json.',
      extensions: { code: 'BAD_REQUEST' },
    });
    expect(h.upstreamCalls()).toEqual([]);
  });

  it('keeps CSRF prevention on: a simple request without a preflight header is refused', async () => {
    const res = await send(h.url, JSON.stringify({ query: '{ packages { name } }' }), { 'content-type': 'text/plain' });
    expect(res.status).toBe(400);
    expect(res.text).toContain('CSRF');
    expect(h.upstreamCalls()).toEqual([]);
  });

  it('refuses a mutation over GET', async () => {
    const res = await request(
      `${h.url}?query=${encodeURIComponent('mutation { invokeAction(input: {action: "ping"}) { completed } }')}`,
      {
        headers: { 'apollo-require-preflight': 'true' },
      },
    );
    await res.body.dump();
    expect(res.statusCode).toBe(405);
    expect(h.upstreamCalls()).toEqual([]);
  });

  it('answers CORS preflights for allowlisted origins only', async () => {
    const preflight = (origin: string) =>
      request(h.url, {
        method: 'OPTIONS',
        headers: {
          origin,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'content-type,authorization',
        },
      });
    const ok = await preflight('https://app.example.com');
    await ok.body.dump();
    expect(ok.headers['access-control-allow-origin']).toBe('https://app.example.com');
    expect(String(ok.headers['access-control-allow-headers'])).toContain('authorization');
    const other = await preflight('https://evil.example.net');
    await other.body.dump();
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
  });
});

describe('production defaults', () => {
  const h = useHarness({ env: { NODE_ENV: 'production' } }, { resetCalls: false });

  it('turns off introspection, the playground and field suggestions', async () => {
    const intro = await h.gql('{ __schema { types { name } } }');
    expect(intro.status).toBe(400);
    expect(intro.body.errors?.[0]?.message).toMatch(/introspection/i);

    const typo = await h.gql('{ packagez { name } }');
    expect(typo.body.errors?.[0]?.message).toBe('Cannot query field "packagez" on type "Query".');

    const page = await request(h.url, { headers: { accept: 'text/html' } });
    const html = await page.body.text();
    expect(html).not.toContain('graphiql');
    const asset = await request(`${new URL(h.url).origin}/graphiql/graphiql.js`);
    await asset.body.dump();
    expect(asset.statusCode).toBe(404);
  });

  it('still serves queries', async () => {
    const res = await h.gql('{ packages { name } }');
    expect(res.body.data.packages).toHaveLength(3);
  });
});

describe('introspection and the cost limit', () => {
  it("answers GraphiQL's full introspection query (introspection reads no upstream, so it costs nothing)", async () => {
    const { getIntrospectionQuery } = await import('graphql');
    await withHarness({}, async (h) => {
      const res = await h.gql(getIntrospectionQuery());
      expect(res.status).toBe(200);
      expect(res.body.errors).toBeUndefined();
      expect(res.body.data.__schema.queryType.name).toBe('Query');
    });
  });
});
