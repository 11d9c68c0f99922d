/**
 * playground: GraphiQL, served entirely by the gateway so it works with no internet access.
 *
 * The page is Apollo Server's landing page (what a browser gets for `GET /graphql` with
 * `Accept: text/html`); its scripts and styles are served from `/graphiql/*` out of the installed
 * `graphiql`, `react`, `react-dom` and `graphql-ws` packages. The page has no inline script, so it
 * runs under a strict Content-Security-Policy; its settings travel in a JSON data block, and its
 * own script is ./boot.
 *
 * With auth on (GATEWAY_AUTH=apikey or jwt, passed in as `authMode`) the page says so in a banner,
 * opens with the Headers pane showing {@link AUTH_HEADERS_TEMPLATE}, and fetches the schema again
 * when the headers change; the gateway's 401 on introspection is explained where Docs would be.
 */
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { ApolloServerPlugin } from '@apollo/server';
import type { FastifyInstance } from 'fastify';
import type { AuthConfig } from '../config';
import { BOOT_SCRIPT } from './boot';
import { exampleTabs } from './examples';

export const ASSET_PREFIX = '/graphiql';

/** Asset name -> [package, file inside the package, content type]. */
const ASSETS: Record<string, [string, string, string]> = {
  'react.js': ['react', 'umd/react.production.min.js', 'text/javascript; charset=utf-8'],
  'react-dom.js': ['react-dom', 'umd/react-dom.production.min.js', 'text/javascript; charset=utf-8'],
  'graphiql.js': ['graphiql', 'graphiql.min.js', 'text/javascript; charset=utf-8'],
  'graphiql.css': ['graphiql', 'graphiql.min.css', 'text/css; charset=utf-8'],
  // The same graphql-ws as the server's; its browser build defines the global `graphqlWs`.
  'graphql-ws.js': ['graphql-ws', 'umd/graphql-ws.min.js', 'text/javascript; charset=utf-8'],
};

/** A file of an installed package (resolved through its package.json, which every package exports). */
function packageFile(pkg: string, file: string): string {
  return join(dirname(require.resolve(`${pkg}/package.json`)), file);
}

export const PLAYGROUND_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  // GraphiQL and CodeMirror set inline styles.
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

export type PlaygroundAuthMode = AuthConfig['mode'];
type AuthOn = Exclude<PlaygroundAuthMode, 'none'>;

export interface PlaygroundOptions {
  /** How the gateway authenticates clients (GATEWAY_AUTH); default `none`. */
  authMode?: PlaygroundAuthMode;
}

/** What the Headers pane shows, for the user to replace, when auth is on. */
export const AUTH_PLACEHOLDER = '<paste your API key or token here>';
/**
 * The Headers pane's first content with auth on, in both modes: `Authorization: Bearer` is what
 * the gateway takes for an API key and for a JWT alike (X-API-Key only for keys), what its 401
 * says to send, and the header graphql-ws carries as a connection parameter for subscriptions.
 */
export const AUTH_HEADERS_TEMPLATE = `{"Authorization": "Bearer ${AUTH_PLACEHOLDER}"}`;

/** The words the page uses for the credential it needs (the banner, Docs, a refused subscription). */
const AUTH_WORDING: Record<AuthOn, { needs: string; credential: string; example: string; banner: string }> = {
  apikey: {
    needs: 'an API key',
    credential: 'your API key',
    example: '{"Authorization": "Bearer ncfgw_…"}',
    banner: 'with your API key (<code>ncfgw_…</code>; <code>npm run apikey:create</code> makes one)',
  },
  jwt: {
    needs: 'a bearer token',
    credential: 'a bearer token (JWT)',
    example: '{"Authorization": "Bearer eyJ…"}',
    banner: 'with an access token (a JWT) from your identity provider',
  },
};

/** The settings block's `auth`: null when the gateway takes anonymous requests. */
function authSettings(mode: PlaygroundAuthMode) {
  if (mode === 'none') return null;
  const { credential, example } = AUTH_WORDING[mode];
  return { mode, credential, example, placeholder: AUTH_PLACEHOLDER, headers: AUTH_HEADERS_TEMPLATE };
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** The banner over GraphiQL when auth is on: what to paste where (./boot adds how the last try went). */
function authBanner(mode: PlaygroundAuthMode): string {
  if (mode === 'none') return '';
  const { needs, banner } = AUTH_WORDING[mode];
  return `<div id="playground-auth" role="note">
<strong>This gateway needs ${needs}.</strong>
In <strong>Headers</strong>, under the query editor, replace <code>${escapeHtml(AUTH_PLACEHOLDER)}</code> ${banner}.
Queries, Docs and subscriptions all send it; the schema loads as soon as you stop typing.
<span id="playground-auth-status" role="status" aria-live="polite"></span>
</div>
`;
}

const PAGE_STYLE = `html, body { height: 100%; margin: 0; }
body { display: flex; flex-direction: column; }
#graphiql { flex: 1 1 auto; min-height: 0; }
.graphiql-container .graphiql-footer:empty { display: none; }
#playground-auth { padding: 8px 16px; font: 14px/1.5 system-ui, sans-serif; }
#playground-auth { background: #fff5d1; color: #3b2f00; border-bottom: 1px solid #e3c04f; }
#playground-auth code, .playground-docs-auth code { font-family: ui-monospace, monospace; }
#playground-auth code, .playground-docs-auth code { background: rgba(127, 127, 127, 0.15); }
#playground-auth code, .playground-docs-auth code { padding: 0 3px; border-radius: 3px; }
#playground-auth-status:not(:empty) { display: block; font-weight: 600; }
#playground-auth-status[data-state="ok"] { color: #0b6b2e; }
#playground-auth-status[data-state="error"] { color: #a3001a; }
.playground-docs-auth p { margin: 0 0 8px; }
.playground-docs-auth p:last-child { margin-bottom: 0; }
body.graphiql-dark #playground-auth { background: #3a3113; color: #f3e6b5; border-color: #6b5a1c; }
body.graphiql-dark #playground-auth-status[data-state="ok"] { color: #7fdc9c; }
body.graphiql-dark #playground-auth-status[data-state="error"] { color: #ff8f8f; }`;

function escapeForScriptBlock(json: string): string {
  return json.replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026');
}

/** The page, with one tab per operation of operations/*.graphql (read now: call it at start-up). */
export function renderPlaygroundHtml(endpoint: string, { authMode = 'none' }: PlaygroundOptions = {}): string {
  const config = escapeForScriptBlock(JSON.stringify({ endpoint, auth: authSettings(authMode), tabs: exampleTabs() }));
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Cloud Functions gateway · GraphiQL</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${ASSET_PREFIX}/graphiql.css">
<style>
${PAGE_STYLE}
</style>
</head>
<body>
${authBanner(authMode)}<div id="graphiql">Loading the playground…</div>
<script type="application/json" id="playground-config">${config}</script>
<script src="${ASSET_PREFIX}/react.js"></script>
<script src="${ASSET_PREFIX}/react-dom.js"></script>
<script src="${ASSET_PREFIX}/graphiql.js"></script>
<script src="${ASSET_PREFIX}/graphql-ws.js"></script>
<script type="module" src="${ASSET_PREFIX}/boot.js"></script>
</body>
</html>
`;
}

/** Apollo landing-page plugin: the GraphiQL page for browsers (`authMode`: the gateway's GATEWAY_AUTH). */
export function playgroundLandingPage(endpoint: string, options: PlaygroundOptions = {}): ApolloServerPlugin {
  const html = renderPlaygroundHtml(endpoint, options);
  return {
    async serverWillStart() {
      return {
        async renderLandingPage() {
          return { html };
        },
      };
    },
  };
}

/** Serves the playground's static files. They are read once, on first use, and kept in memory. */
export function registerPlaygroundAssets(app: FastifyInstance): void {
  const cache = new Map<string, Promise<Buffer>>();
  const load = (name: string, pkg: string, file: string) => {
    let entry = cache.get(name);
    if (!entry) {
      entry = readFile(packageFile(pkg, file));
      cache.set(name, entry);
    }
    return entry;
  };

  app.get<{ Params: { name: string } }>(`${ASSET_PREFIX}/:name`, async (request, reply) => {
    const { name } = request.params;
    reply.header('cache-control', 'public, max-age=3600').header('x-content-type-options', 'nosniff');
    if (name === 'boot.js') return reply.type('text/javascript; charset=utf-8').send(BOOT_SCRIPT);
    const asset = ASSETS[name];
    if (!asset) return reply.code(404).type('text/plain; charset=utf-8').send('Not found');
    return reply.type(asset[2]).send(await load(name, asset[0], asset[1]));
  });
}
