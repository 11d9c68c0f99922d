/**
 * The playground's tabs are the client operations: the tabs the page serves are read from its
 * config block, the operations straight from operations/*.graphql, and each tab must be one of those
 * operations (same document once comments and layout are set aside), parse, validate against the
 * schema as the server builds it, and run as prefilled against the built-in emulators' seed data.
 * A tab whose variables hold a "paste …" placeholder (an id only a run produces) answers
 * BAD_USER_INPUT unchanged, and runs once an id from the tab its note names is pasted.
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
import { resolvers } from '../../src/resolvers';
import { loadTypeDefs } from '../../src/schema';
import { startHarness, type Harness } from '../helpers/gateway';

interface Tab {
  query: string;
  variables?: string;
}

const OPERATIONS_DIR = resolve(__dirname, '..', '..', 'operations');

/** Every named operation of operations/*.graphql, printed (comments and layout normalised away). */
function fileOperations(): Map<string, string> {
  const out = new Map<string, string>();
  for (const file of readdirSync(OPERATIONS_DIR).filter((f) => f.endsWith('.graphql')).sort()) {
    for (const definition of parse(readFileSync(join(OPERATIONS_DIR, file), 'utf8')).definitions) {
      if (definition.kind === Kind.OPERATION_DEFINITION && definition.name) out.set(definition.name.value, print(definition));
    }
  }
  return out;
}

const operationsOf = (document: DocumentNode) =>
  document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);

const isPlaceholder = (value: unknown) => typeof value === 'string' && /^paste\b/i.test(value);

let h: Harness;
let tabs: Tab[];
const schema: GraphQLSchema = enforceScopes(makeExecutableSchema({ typeDefs: loadTypeDefs(), resolvers: resolvers as never }));
const operations = fileOperations();

beforeAll(async () => {
  h = await startHarness();
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
    const names = tabs.map((t) => operationsOf(parse(t.query)).map((op) => op.name?.value));
    // One operation per tab: GraphiQL names a tab after its first operation and runs the one under the cursor.
    expect(names.filter((n) => n.length !== 1)).toEqual([]);
    const flat = names.map((n) => n[0]);
    expect(new Set(flat).size).toBe(flat.length);
    expect([...flat].sort()).toEqual([...operations.keys()].sort());
    expect(flat[0]).toBe('ListPackages');
  });

  it('each parse, validate against the schema and are the operation of the file they come from', () => {
    expect(tabs.length).toBeGreaterThan(0);
    for (const t of tabs) {
      const document = parse(t.query);
      const [operation] = operationsOf(document);
      const name = operation!.name!.value;
      expect([name, validate(schema, document).map((e) => e.message)]).toEqual([name, []]);
      expect([name, print(operation!)]).toEqual([name, operations.get(name)]);
    }
  });

  it('prefill only variables their operation declares, and every variable it requires', () => {
    for (const t of tabs) {
      const [operation] = operationsOf(parse(t.query));
      const name = operation!.name!.value;
      const variables = t.variables ? JSON.parse(t.variables) : {};
      const declared = (operation!.variableDefinitions ?? []).map((v) => v.variable.name.value);
      const required = (operation!.variableDefinitions ?? []).filter((v) => v.type.kind === Kind.NON_NULL_TYPE && !v.defaultValue).map((v) => v.variable.name.value);
      expect([name, Object.keys(variables).filter((k) => !declared.includes(k))]).toEqual([name, []]);
      expect([name, required.filter((k) => !(k in variables))]).toEqual([name, []]);
    }
  });

  it('run as prefilled against the emulators, with data and no errors (queries and mutations)', async () => {
    for (const t of tabs) {
      const document = parse(t.query);
      const [operation] = operationsOf(document);
      if (operation!.operation === 'subscription') continue;
      const variables = t.variables ? JSON.parse(t.variables) : {};
      if (Object.values(variables).some(isPlaceholder)) continue;
      const { status, body } = await h.gql(t.query, variables);
      const name = operation!.name!.value;
      expect([name, status, body.errors]).toEqual([name, 200, undefined]);
      // The seed has what each tab asks for: no top-level field is null.
      expect([name, Object.entries(body.data).filter(([, v]) => v === null).map(([k]) => k)]).toEqual([name, []]);
    }
  });

  it('InvokeAction runs the documented example action to its result', async () => {
    const { tab: t, variables } = tab('InvokeAction');
    const { body } = await h.gql(t.query, variables);
    expect(body.data.invokeAction).toMatchObject({ completed: true, activation: { success: true, result: { payload: 'abc' } } });
  });

  it('ActivationDetail says what to paste when run unchanged, and shows a run once an id from ActionDetail is pasted', async () => {
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

  it('ActivationCompleted, over WebSocket, answers the slow run its note says to start from the InvokeAction tab', async () => {
    const { tab: t, variables } = tab('ActivationCompleted');
    expect(Object.values(variables).some(isPlaceholder)).toBe(true);
    const invoke = tab('InvokeAction');
    // As the note says: examples/slow with timeoutMs 0 outlives the wait.
    const started = await h.gql(invoke.tab.query, { input: { package: variables.package, action: variables.action, timeoutMs: 0 } });
    expect(started.body.data.invokeAction.completed).toBe(false);
    const id = started.body.data.invokeAction.activationId;

    const ws = createWsClient({ url: h.url.replace(/^http/, 'ws'), webSocketImpl: WebSocket, retryAttempts: 0 });
    try {
      const results: any[] = [];
      await new Promise<void>((done, fail) => {
        ws.subscribe({ query: t.query, variables: { ...variables, id } }, { next: (r) => results.push(r), error: fail, complete: done });
      });
      expect(results).toHaveLength(1);
      expect(results[0].errors).toBeUndefined();
      expect(results[0].data.activationCompleted).toMatchObject({ id, status: 'SUCCESS', success: true, result: { done: true } });
    } finally {
      await ws.dispose();
    }
  }, 30_000);
});
