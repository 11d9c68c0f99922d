/**
 * playground: GraphiQL, served entirely by the gateway so it works with no internet access.
 *
 * The page is Apollo Server's landing page (what a browser gets for `GET /graphql` with
 * `Accept: text/html`); its scripts and styles are served from `/graphiql/*` out of the installed
 * `graphiql`, `react` and `react-dom` packages. The page has no inline script, so it runs under a
 * strict Content-Security-Policy; its settings travel in a JSON data block.
 */
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { ApolloServerPlugin } from '@apollo/server';
import type { FastifyInstance } from 'fastify';
import { exampleTabs } from './examples';

export const ASSET_PREFIX = '/graphiql';

/** Asset name -> [package, file inside the package, content type]. */
const ASSETS: Record<string, [string, string, string]> = {
  'react.js': ['react', 'umd/react.production.min.js', 'text/javascript; charset=utf-8'],
  'react-dom.js': ['react-dom', 'umd/react-dom.production.min.js', 'text/javascript; charset=utf-8'],
  'graphiql.js': ['graphiql', 'graphiql.min.js', 'text/javascript; charset=utf-8'],
  'graphiql.css': ['graphiql', 'graphiql.min.css', 'text/css; charset=utf-8'],
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

const BOOT_SCRIPT = `(function () {
  var config = JSON.parse(document.getElementById('playground-config').textContent);
  // Subscriptions (the ActivationCompleted tab) go over graphql-ws at the same URL; the socket opens
  // only when one runs, and the headers editor's headers travel as its connectionParams.
  var socketUrl = new URL(config.endpoint, location.href);
  socketUrl.protocol = socketUrl.protocol === 'https:' ? 'wss:' : 'ws:';
  var fetcher = GraphiQL.createFetcher({ url: config.endpoint, subscriptionUrl: socketUrl.href });
  var root = ReactDOM.createRoot(document.getElementById('graphiql'));
  root.render(React.createElement(GraphiQL, {
    fetcher: fetcher,
    defaultTabs: config.tabs,
    defaultEditorToolsVisibility: true,
    isHeadersEditorEnabled: true,
    schemaDescription: true,
    shouldPersistHeaders: false
  }));
})();
`;

function escapeForScriptBlock(json: string): string {
  return json.replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026');
}

/** The page, with one tab per operation of operations/*.graphql (read now: call it at start-up). */
export function renderPlaygroundHtml(endpoint: string): string {
  const config = escapeForScriptBlock(JSON.stringify({ endpoint, tabs: exampleTabs() }));
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Cloud Functions gateway · GraphiQL</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${ASSET_PREFIX}/graphiql.css">
<style>html, body, #graphiql { height: 100%; margin: 0; }</style>
</head>
<body>
<div id="graphiql">Loading the playground…</div>
<script type="application/json" id="playground-config">${config}</script>
<script src="${ASSET_PREFIX}/react.js"></script>
<script src="${ASSET_PREFIX}/react-dom.js"></script>
<script src="${ASSET_PREFIX}/graphiql.js"></script>
<script src="${ASSET_PREFIX}/boot.js"></script>
</body>
</html>
`;
}

/** Apollo landing-page plugin: the GraphiQL page for browsers. */
export function playgroundLandingPage(endpoint: string): ApolloServerPlugin {
  const html = renderPlaygroundHtml(endpoint);
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
