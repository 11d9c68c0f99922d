/**
 * The playground's tabs are the client operations: the tabs the page serves are read from its
 * config block, the operations straight from operations/*.graphql, and each tab must be one of those
 * operations (same document once comments and layout are set aside), parse, validate against the
 * schema as the server builds it, and run as prefilled against the built-in emulators' seed data.
 * A tab whose variables hold a "paste …" placeholder (an id only a run produces) answers
 * BAD_USER_INPUT unchanged, and runs once an id from the tab its note names is pasted. A tab may
 * show more operations after its own (TAB_EXAMPLES `with`): the StartRun tab starts the slow run
 * over HTTP and waits for it with ActivationCompleted over WebSocket, as a user runs it.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { makeExecutableSchema } from '@graphql-tools/schema';
import {
  Kind,
  parse,
  print,
  validate,
  type DocumentNode,
  type GraphQLSchema,
  type OperationDefinitionNode,
} from 'graphql';
import { createClient as createWsClient } from 'graphql-ws';
import { request } from 'undici';
import WebSocket from 'ws';
import { enforceScopes } from '../../src/auth/scopes';
import { TAB_EXAMPLES } from '../../src/playground/examples';
import { resolvers } from '../../src/resolvers';
import { loadTypeDefs } from '../../src/schema';
import { startHarness, type Harness } from '../helpers/gateway';
import { http, runOverWs } from '../helpers/transports';
import { EXPECTED_TABS } from '../helpers/playground-tabs';

interface Tab {
  query: string;
  variables?: string;
}

const OPERATIONS_DIR = resolve(__dirname, '..', '..', 'operations');

/** Every named operation of operations/*.graphql, printed (comments and layout normalised away). */
function fileOperations(): Map<string, string> {
  const out = new Map<string, string>();
  for (const file of readdirSync(OPERATIONS_DIR)
    .filter((f) => f.endsWith('.graphql'))
    .sort()) {
    for (const definition of parse(readFileSync(join(OPERATIONS_DIR, file), 'utf8')).definitions) {
      if (definition.kind === Kind.OPERATION_DEFINITION && definition.name)
        out.set(definition.name.value, print(definition));
    }
  }
  return out;
}

const operationsOf = (document: DocumentNode) =>
  document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);

const isPlaceholder = (value: unknown) => typeof value === 'string' && /^paste\b/i.test(value);

let h: Harness;
let tabs: Tab[];
const schema: GraphQLSchema = enforceScopes(
  makeExecutableSchema({ typeDefs: loadTypeDefs(), resolvers: resolvers as never }),
);
const operations = fileOperations();

beforeAll(async () => {
  // examples/slow at 1.2 s: these tabs need only a run that outlives timeoutMs 0 (3 s, as the notes
  // say, is the default of npm start).
  h = await startHarness({ emulator: { slowActionMs: 1200 } });
  const html = await (await request(h.url, { headers: { accept: 'text/html' } })).body.text();
  tabs = JSON.parse(html.match(/<script type="application\/json" id="playground-config">(.*?)<\/script>/s)![1]!).tabs;
});
afterAll(() => h?.close());

/** The tab whose (only) operation is `name`. */
function tab(name: string): { tab: Tab; document: DocumentNode; variables: Record<string, unknown> } {
  const found = tabs.find((t) => operationsOf(parse(t.query))[0]?.name?.value === name);
  if (!found) throw new Error(`no tab for ${name}`);
  return { tab: found, document: parse(found.query), variables: found.variables ? JSON.parse(found.variables) : {} };
}

describe('the playground tabs', () => {
  it('are one per named operation of operations/*.graphql, each once, ListPackages first', () => {
    expect(operations.size).toBeGreaterThan(0);
    const names = tabs.map((t) => operationsOf(parse(t.query)).map((op) => op.name!.value));
    // A tab is named after its first operation; the others are the ones TAB_EXAMPLES shows with it.
    expect(names.map(([own, ...others]) => [own, others])).toEqual(
      names.map(([own]) => [own, TAB_EXAMPLES[own!]?.with ?? []]),
    );
    expect(names.filter((n) => n.length > 1)).toEqual([['StartRun', 'ActivationCompleted']]);
    const flat = names.map((n) => n[0]);
    expect(new Set(flat).size).toBe(flat.length);
    expect([...flat].sort()).toEqual([...operations.keys()].sort());
    expect(flat[0]).toBe('ListPackages');
  });

  it('each parse, validate against the schema and show the operations of the files they come from', () => {
    expect(tabs.length).toBeGreaterThan(0);
    for (const t of tabs) {
      const document = parse(t.query);
      const [operation] = operationsOf(document);
      const name = operation!.name!.value;
      expect([name, validate(schema, document).map((e) => e.message)]).toEqual([name, []]);
      for (const shown of operationsOf(document)) {
        expect([name, print(shown)]).toEqual([name, operations.get(shown.name!.value)]);
      }
    }
  });

  it('prefill only variables their operations declare, and every variable each requires', () => {
    for (const t of tabs) {
      const shown = operationsOf(parse(t.query));
      const name = shown[0]!.name!.value;
      const variables = t.variables ? JSON.parse(t.variables) : {};
      const declared = shown.flatMap((op) => (op.variableDefinitions ?? []).map((v) => v.variable.name.value));
      const required = shown.flatMap((op) =>
        (op.variableDefinitions ?? [])
          .filter((v) => v.type.kind === Kind.NON_NULL_TYPE && !v.defaultValue)
          .map((v) => v.variable.name.value),
      );
      expect([name, Object.keys(variables).filter((k) => !declared.includes(k))]).toEqual([name, []]);
      expect([name, required.filter((k) => !(k in variables))]).toEqual([name, []]);
    }
  });

  it('run as prefilled against the emulators, with data and no errors (queries and mutations)', async () => {
    const ran: string[] = [];
    for (const t of tabs) {
      const [operation] = operationsOf(parse(t.query));
      if (operation!.operation === 'subscription') continue;
      const name = operation!.name!.value;
      const variables = t.variables ? JSON.parse(t.variables) : {};
      const own = (operation!.variableDefinitions ?? []).map((v) => v.variable.name.value);
      if (own.some((k) => isPlaceholder(variables[k]))) continue;
      // As GraphiQL sends it: the whole tab, its variables, and the name of the operation to run.
      const { status, data, errors } = await http.run(h, { query: t.query, variables, operationName: name });
      expect([name, status, errors]).toEqual([name, 200, undefined]);
      // The seed has what each tab asks for: no top-level field is null.
      expect([
        name,
        Object.entries(data as object)
          .filter(([, v]) => v === null)
          .map(([k]) => k),
      ]).toEqual([name, []]);
      ran.push(name);
    }
    // Every tab but the subscription and ActivationDetail (its note says what id to paste first).
    expect(ran).toEqual(EXPECTED_TABS.filter((name) => !['ActivationDetail', 'ActivationCompleted'].includes(name)));
    // Run top to bottom, the console's tabs leave the seed as it was.
    const after = await h.gql('{ packages { name } triggers { name } }');
    expect(after.body.data).toEqual({
      packages: [{ name: 'examples' }, { name: 'package001' }, { name: 'package003' }],
      triggers: [{ name: 'hello-every-minute' }],
    });
  });

  it('InvokeAction runs the documented example action to its result', async () => {
    const { tab: t, variables } = tab('InvokeAction');
    const { body } = await h.gql(t.query, variables);
    expect(body.data.invokeAction).toMatchObject({
      completed: true,
      activation: { success: true, result: { payload: 'abc' } },
    });
  });

  it('ActivationDetail says what to paste when run unchanged, runs once an ActionDetail id is pasted', async () => {
    const { tab: t, variables } = tab('ActivationDetail');
    expect(Object.values(variables).some(isPlaceholder)).toBe(true);
    const unchanged = await h.gql(t.query, variables);
    expect(unchanged.body.errors?.map((e) => e.extensions?.code)).toEqual(['BAD_USER_INPUT']);

    const detail = tab('ActionDetail');
    const runs = (await h.gql(detail.tab.query, detail.variables)).body.data.action.activations.nodes;
    expect(runs.length).toBeGreaterThan(0);
    const pasted = await h.gql(t.query, { ...variables, id: runs[0].id });
    expect(pasted.body.errors).toBeUndefined();
    expect(pasted.body.data.activation).toMatchObject({ id: runs[0].id, status: 'SUCCESS', success: true });
  });

  it('ActivationCompleted, over WebSocket, answers the slow run its note says to start with InvokeAction', async () => {
    const { tab: t, variables } = tab('ActivationCompleted');
    expect(Object.values(variables).some(isPlaceholder)).toBe(true);
    const invoke = tab('InvokeAction');
    // As the note says: examples/slow with timeoutMs 0 outlives the wait.
    const started = await h.gql(invoke.tab.query, {
      input: { package: variables.package, action: variables.action, timeoutMs: 0 },
    });
    expect(started.body.data.invokeAction.completed).toBe(false);
    const id = started.body.data.invokeAction.activationId;

    const ws = createWsClient({ url: h.url.replace(/^http/, 'ws'), webSocketImpl: WebSocket, retryAttempts: 0 });
    try {
      const results: any[] = [];
      await new Promise<void>((done, fail) => {
        ws.subscribe(
          { query: t.query, variables: { ...variables, id } },
          { next: (r) => results.push(r), error: fail, complete: done },
        );
      });
      expect(results).toHaveLength(1);
      expect(results[0].errors).toBeUndefined();
      expect(results[0].data.activationCompleted).toMatchObject({
        id,
        status: 'SUCCESS',
        success: true,
        result: { done: true },
      });
    } finally {
      await ws.dispose();
    }
  }, 30_000);

  it('StartRun starts the slow run at once; its ActivationCompleted, over WebSocket, answers the result', async () => {
    const { tab: t, variables } = tab('StartRun');
    expect(operationsOf(parse(t.query)).map((op) => op.name?.value)).toEqual(['StartRun', 'ActivationCompleted']);
    expect(variables).toEqual({ package: 'examples', action: 'slow', id: 'paste an activationId here' });

    const started = await http.run(h, { query: t.query, variables, operationName: 'StartRun' });
    expect(started.status).toBe(200);
    expect(started.errors).toBeUndefined();
    const run = (started.data as { invokeAction: { activationId: string; completed: boolean } }).invokeAction;
    expect(run.completed).toBe(false);
    expect(run.activationId).toMatch(/^[0-9a-f]{32}$/);

    // What the playground does with that answer: the activationId goes into the Variables' "id".
    const ws = createWsClient({ url: h.url.replace(/^http/, 'ws'), webSocketImpl: WebSocket, retryAttempts: 0 });
    const waited = await runOverWs(ws, {
      query: t.query,
      variables: { ...variables, id: run.activationId },
      operationName: 'ActivationCompleted',
    }).finally(() => ws.dispose());
    expect(waited.errors).toBeUndefined();
    expect((waited.data as { activationCompleted: unknown }).activationCompleted).toMatchObject({
      id: run.activationId,
      status: 'SUCCESS',
      success: true,
      result: { done: true },
    });
  }, 30_000);
});
