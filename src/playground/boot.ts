/**
 * boot: the playground page's own script, served as /graphiql/boot.js and loaded as a module
 * script (the CSP allows no inline script; a module has its own scope, so no wrapper is needed).
 * It reads the settings block the server wrote (./index) and starts GraphiQL with:
 *
 *   - a fetcher: queries and mutations over HTTP (GraphiQL's own), subscriptions over graphql-ws at
 *     the same URL (ws: or wss:, same origin, so the gateway's Origin check passes) with the Headers
 *     pane's headers as the `connection_init` payload, which the gateway reads as request headers
 *     (src/websocket/server.ts). It is ours because GraphiQL's own needs graphql-ws as a module
 *     import (its browser build has none: a typed subscription showed a configuration error and a
 *     stack trace) and retries a refused connection (4403) for about 40 s; this one says at once
 *     what the gateway refused and what to put in Headers.
 *   - a run started without waiting (`invokeAction` answered `completed: false`) copies its
 *     activationId into the tab's Variables when they have an `id`: the slow-run tab's second step,
 *     the ActivationCompleted subscription, then runs as it is.
 *   - one Headers pane for every tab (GraphiQL keeps headers per tab: a key pasted in one tab would
 *     be missing in the next), never written to localStorage, history included.
 *   - with auth on: the schema is fetched again, debounced, when the headers change, so Docs and
 *     autocompletion work once a valid credential is pasted; a 401 on introspection shows what to
 *     paste in the Docs pane (instead of GraphiQL's bare "Error fetching schema") and in the banner.
 *
 * It is plain browser JavaScript over the UMD globals React, ReactDOM, GraphiQL (with GraphiQL.React,
 * @graphiql/react, and GraphiQL.GraphQL, graphql-js) and graphqlWs (graphql-ws's browser build).
 */
export const BOOT_SCRIPT = String.raw`// The playground's script (src/playground/boot.ts in the gateway's sources).
const config = JSON.parse(document.getElementById('playground-config').textContent);
/** What the server said about authentication; null when it takes anonymous requests. */
const auth = config.auth;
const h = React.createElement;
const GR = GraphiQL.React;
const endpoint = new URL(config.endpoint, location.href);
const socketUrl = new URL(endpoint.href);
socketUrl.protocol = endpoint.protocol === 'https:' ? 'wss:' : 'ws:';
/** How long the headers must stay unchanged before the schema is fetched again with them. */
const REFETCH_AFTER_MS = 600;
const CREDENTIAL_HEADER = /^(authorization|x-api-key)$/i;

/** A JSON object typed in an editor: {} when empty, null when it is not (yet) one. */
function parseObject(text) {
  if (!text || !text.trim()) return {};
  try {
    const value = JSON.parse(text);
    return value && typeof value === 'object' && !Array.isArray(value) ? value : null;
  } catch (e) {
    return null;
  }
}
function headersKey(headers) {
  return JSON.stringify(headers || {});
}

/** What the last schema fetch found (Docs, the banner and the refetch read it). */
const schemaState = { seq: 0, problem: null, headersKey: null };
/** GraphiQL's editors once it has made them, its active tab, and the Headers text every tab shares. */
const session = { headerEditor: null, variableEditor: null, activeTabIndex: 0, headers: auth ? auth.headers : null };

// --- The schema ---------------------------------------------------------------------------------

function showStatus(text, state) {
  const element = document.getElementById('playground-auth-status');
  if (!element) return;
  element.textContent = text;
  if (state) element.setAttribute('data-state', state);
  else element.removeAttribute('data-state');
}

function settleSchema(status, body) {
  const error = body && Array.isArray(body.errors) ? body.errors[0] : undefined;
  const code = error && error.extensions ? error.extensions.code : undefined;
  const message = error && error.message ? error.message : 'HTTP ' + status;
  if (status === 401 || code === 'UNAUTHENTICATED') {
    schemaState.problem = { kind: 'unauthenticated', status: status, message: message };
    showStatus('The gateway answered ' + status + ': ' + message, 'error');
  } else if (code === 'AUTH_UNAVAILABLE') {
    schemaState.problem = { kind: 'unavailable', status: status, message: message };
    showStatus(message, 'error');
  } else {
    schemaState.problem = null;
    const loaded = body && body.data && body.data.__schema;
    showStatus(loaded ? 'Signed in: the schema has loaded with the credential in Headers.' : '', loaded ? 'ok' : null);
  }
}

/** GraphiQL's introspection goes through here (createFetcher's schemaFetcher). */
function fetchSchema(params, opts) {
  const seq = ++schemaState.seq;
  const headers = (opts && opts.headers) || {};
  schemaState.headersKey = headersKey(headers);
  return fetch(endpoint.href, {
    method: 'POST',
    headers: Object.assign({ 'content-type': 'application/json', accept: 'application/json' }, headers),
    body: JSON.stringify(params),
  }).then((response) =>
    response.json().catch(() => null).then((body) => {
      if (seq === schemaState.seq) settleSchema(response.status, body);
      if (body && body.data && body.data.__schema) return body;
      // Refused for its credential: the gateway's errors, as they are. (Rejected, not returned:
      // GraphiQL would ask again without subscriptions, and be refused again.)
      if (response.status === 401 || response.status === 503) {
        throw (body && body.errors) || [{ message: 'The gateway answered ' + response.status + '.' }];
      }
      if (!body) throw { message: 'The gateway answered ' + response.status + ' (not JSON).' };
      return body;
    }),
  );
}

// --- Subscriptions over graphql-ws --------------------------------------------------------------

function isCloseEvent(value) {
  return Boolean(value) && typeof value.code === 'number' && typeof value.reason === 'string';
}

/** One client per set of headers: changed headers open a new connection (an idle one closes). */
let socket = null;
function socketClient(headers) {
  const key = headersKey(headers);
  if (!socket || socket.key !== key) {
    const client = graphqlWs.createClient({
      url: socketUrl.href,
      connectionParams: headers,
      lazy: true,
      retryAttempts: 3,
      // 4403: the credential was not accepted, and would not be on a retry either.
      shouldRetry: (error) => isCloseEvent(error) && error.code !== 4403,
    });
    socket = { key: key, client: client };
  }
  return socket.client;
}

/** What GraphiQL shows for a failed subscription: a message, no stack trace. */
function socketError(error) {
  if (Array.isArray(error)) return error; // the gateway's GraphQL errors, as they are
  if (isCloseEvent(error) && error.code === 4403) {
    const why = error.reason && error.reason !== 'Forbidden' ? ' (' + error.reason + ')' : '';
    const what = auth ? auth.credential : 'a credential';
    return {
      message:
        'The gateway refused the WebSocket connection (4403 Forbidden' + why + '): it did not accept the ' +
        'credential in Headers. Put ' + what + ' in the Headers pane (Authorization: Bearer …) and run the ' +
        'subscription again.',
    };
  }
  if (isCloseEvent(error) && error.code === 1006) {
    return { message: 'The WebSocket connection to ' + socketUrl.href + ' could not be opened or was cut (1006).' };
  }
  if (isCloseEvent(error)) {
    const reason = error.reason ? ' ' + error.reason : '';
    return { message: 'The WebSocket connection closed: ' + error.code + reason + '.' };
  }
  if (error instanceof Error) return { message: error.message };
  return { message: 'The WebSocket connection to ' + socketUrl.href + ' failed.' };
}

function subscribe(params, headers) {
  return {
    subscribe(observer) {
      const request = { query: params.query, variables: params.variables, operationName: params.operationName };
      const dispose = socketClient(headers).subscribe(request, {
        next: (result) => observer.next(result),
        error: (error) => observer.error(socketError(error)),
        complete: () => observer.complete(),
      });
      return { unsubscribe: dispose };
    },
  };
}

function isSubscription(documentAST, operationName) {
  if (!documentAST) return false;
  const operation = GraphiQL.GraphQL.getOperationAST(documentAST, operationName || undefined);
  return Boolean(operation && operation.operation === 'subscription');
}

// --- The fetcher ----------------------------------------------------------------------------------

/** A run started without waiting: its activationId goes into the Variables' "id", when they have one. */
function fillActivationId(result, tabIndex) {
  const run = result && result.data && result.data.invokeAction;
  if (!run || run.completed !== false || typeof run.activationId !== 'string') return;
  const editor = session.variableEditor;
  if (!editor || session.activeTabIndex !== tabIndex) return; // the user has moved on to another tab
  const variables = parseObject(editor.getValue());
  if (!variables || !Object.prototype.hasOwnProperty.call(variables, 'id') || variables.id === run.activationId) return;
  variables.id = run.activationId;
  editor.setValue(JSON.stringify(variables, null, 2));
}

function makeFetcher() {
  // One JSON answer per request: the gateway serves no @defer/@stream (graphql-js 16).
  const http = GraphiQL.createFetcher({
    url: endpoint.href,
    schemaFetcher: fetchSchema,
    enableIncrementalDelivery: false,
  });
  return (params, opts) => {
    if (opts && isSubscription(opts.documentAST, params.operationName)) return subscribe(params, opts.headers || {});
    const tabIndex = session.activeTabIndex;
    const answer = http(params, opts);
    answer.then((result) => fillActivationId(result, tabIndex), () => undefined);
    return answer;
  };
}

// --- Storage: what GraphiQL keeps in localStorage, without credentials --------------------------

function withoutCredentials(headersText) {
  const headers = parseObject(headersText);
  if (!headers) return undefined;
  const kept = {};
  for (const name of Object.keys(headers)) if (!CREDENTIAL_HEADER.test(name)) kept[name] = headers[name];
  return Object.keys(kept).length ? JSON.stringify(kept) : undefined;
}

/** History, favourites and tabs hold the headers each run had: stored without Authorization or X-API-Key. */
function scrubbed(key, value) {
  if (key === 'graphiql:headers') return withoutCredentials(value) || '';
  if (!/^graphiql:(queries|favorites|tabState)$/.test(key)) return value;
  try {
    const stored = JSON.parse(value);
    for (const field of Object.keys(stored)) {
      if (!Array.isArray(stored[field])) continue;
      for (const item of stored[field]) {
        if (!item || typeof item.headers !== 'string') continue;
        const kept = withoutCredentials(item.headers);
        if (kept === undefined) delete item.headers;
        else item.headers = kept;
      }
    }
    return JSON.stringify(stored);
  } catch (e) {
    return value;
  }
}

const graphiqlKeys = () => Object.keys(localStorage).filter((key) => key.indexOf('graphiql:') === 0);
const storage = {
  getItem: (key) => localStorage.getItem(key),
  setItem: (key, value) => localStorage.setItem(key, scrubbed(key, value)),
  removeItem: (key) => localStorage.removeItem(key),
  get length() {
    return graphiqlKeys().length;
  },
  clear: () => graphiqlKeys().forEach((key) => localStorage.removeItem(key)),
};

// --- Docs: says what to paste when the schema was refused for its credential --------------------

function docsHint(problem) {
  if (problem.kind !== 'unauthenticated') {
    return [
      h('p', { key: 'what' }, h('strong', null, 'The schema could not be fetched.')),
      h('p', { key: 'why' }, problem.message + ' Ctrl+Shift+R fetches it again.'),
    ];
  }
  return [
    h('p', { key: 'what' }, h('strong', null, 'The schema needs ' + auth.credential + '.')),
    h('p', { key: 'why' }, 'The gateway answered ' + problem.status + ': ' + problem.message),
    h('p', { key: 'how' },
      'Open Headers (under the query editor) and put ' + auth.credential + ' in place of ',
      h('code', null, auth.placeholder),
      ', as in ', h('code', null, auth.example), '. Docs load as soon as you stop typing.'),
  ];
}

function installDocsHint() {
  const docsPlugin = GR.DOC_EXPLORER_PLUGIN;
  const DocExplorer = docsPlugin.content;
  docsPlugin.content = function PlaygroundDocs() {
    const schema = GR.useSchemaContext({ nonNull: true });
    const problem = schemaState.problem;
    if (!schema.fetchError || !problem || !auth) return h(DocExplorer);
    return h('div', { className: 'graphiql-doc-explorer' },
      h('div', { className: 'graphiql-doc-explorer-header' },
        h('div', { className: 'graphiql-doc-explorer-header-content' },
          h('div', { className: 'graphiql-doc-explorer-title' }, 'Docs'))),
      h('div', { className: 'graphiql-doc-explorer-content' },
        h('div', { className: 'graphiql-doc-explorer-error playground-docs-auth', role: 'alert' }, docsHint(problem))));
  };
}

// --- One Headers pane for all tabs; the schema follows its credential ---------------------------

function PlaygroundSession() {
  const editor = GR.useEditorContext({ nonNull: true });
  const schema = GR.useSchemaContext({ nonNull: true });
  const introspect = React.useRef(schema.introspect);
  introspect.current = schema.introspect;
  const headerEditor = editor.headerEditor;
  session.headerEditor = headerEditor;
  session.variableEditor = editor.variableEditor;
  session.activeTabIndex = editor.activeTabIndex;

  // A tab opened (or switched to) shows the same headers as the one before it.
  React.useEffect(() => {
    if (headerEditor && session.headers !== null && headerEditor.getValue() !== session.headers) {
      headerEditor.setValue(session.headers);
    }
  }, [headerEditor, editor.activeTabIndex]);

  // GraphiQL shows a failed schema fetch in the response pane; once the schema loads, that is stale.
  const shownFetchError = React.useRef(null);
  const responseEditor = editor.responseEditor;
  React.useEffect(() => {
    if (schema.fetchError) {
      shownFetchError.current = schema.fetchError;
    } else if (schema.schema && shownFetchError.current) {
      if (responseEditor && responseEditor.getValue() === shownFetchError.current) responseEditor.setValue('');
      shownFetchError.current = null;
    }
  }, [schema.fetchError, schema.schema, responseEditor]);

  React.useEffect(() => {
    if (!headerEditor) return undefined;
    let timer;
    function onChange(cm, change) {
      if (!change || change.origin === 'setValue') return; // a tab switch, not the user
      session.headers = cm.getValue();
      // Only a gateway that wants a credential answers differently with other headers.
      if (!auth) return;
      clearTimeout(timer);
      timer = setTimeout(() => {
        const headers = parseObject(cm.getValue());
        if (headers && headersKey(headers) !== schemaState.headersKey) introspect.current();
      }, REFETCH_AFTER_MS);
    }
    headerEditor.on('change', onChange);
    return () => {
      headerEditor.off('change', onChange);
      clearTimeout(timer);
    };
  }, [headerEditor]);
  return null;
}

function start() {
  installDocsHint();
  const props = {
    fetcher: makeFetcher(),
    defaultTabs: config.tabs,
    // With auth on, the Headers pane is what the user needs first.
    defaultEditorToolsVisibility: auth ? 'headers' : true,
    isHeadersEditorEnabled: true,
    schemaDescription: true,
    shouldPersistHeaders: false,
    storage: storage,
  };
  if (auth) {
    props.headers = auth.headers;
    props.defaultHeaders = auth.headers;
  }
  const root = ReactDOM.createRoot(document.getElementById('graphiql'));
  root.render(h(GraphiQL, props, h(GraphiQL.Footer, null, h(PlaygroundSession))));
}

start();
`;
