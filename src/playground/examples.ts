/**
 * The playground's tabs: one per named operation of operations/*.graphql, the typed client operations
 * that codegen turns into src/__generated__/client/, so the playground shows exactly what frontends
 * run. The files are read at start-up, like src/schema.ts reads schema/.
 *
 * What the operation files do not say lives here: the comment each tab opens with, and variables
 * that work against the built-in emulators' seed data (src/emulators/cloudfunctions/seed.ts and
 * src/emulators/compute/seed.ts). Tabs come in the order of TAB_EXAMPLES; an operation it does not
 * list still gets a tab, after them, with no variables. A tab may also show other operations after
 * its own (`with`), for a walk-through of two steps: GraphiQL's Run button then asks which to run.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Kind, parse, visit, type FragmentDefinitionNode, type OperationDefinitionNode } from 'graphql';

export interface PlaygroundTab {
  query: string;
  variables?: string;
}

export interface TabExample {
  /** What the tab shows: the comment lines it opens with (short: the editor is narrow). */
  note: string[];
  /** Variables the tab is prefilled with (shared by its operations: each takes the ones it declares). */
  variables?: Record<string, unknown>;
  /** Operations shown in the same tab, after the tab's own (they keep their own tabs too). */
  with?: string[];
}

/**
 * The seed's documented example action (src/emulators/cloudfunctions/seed.ts): it returns
 * `{ payload: 'abc' }` and has three past runs.
 */
const EXAMPLE_ACTION = { package: 'package003', action: 'action000' };
/** web-1, the compute emulator's documented example server (SEED_SERVER_ID in src/emulators/compute/seed.ts). */
const EXAMPLE_SERVER_ID = '9f2a8a4e-6f6e-4a8e-9f4c-2b1d2f3c4d5e';
/**
 * Stands for an id only a run produces; not a valid activation id, so running the tab unchanged
 * says so (BAD_USER_INPUT).
 */
const PASTE_ACTIVATION_ID = 'paste an activationId here';
/** The seed's cron trigger on package001/hello (SEED_TRIGGER in src/emulators/cloudfunctions/seed.ts). */
const SEED_TRIGGER = 'hello-every-minute';
/** What the console tabs create, use and delete again (names the seed does not hold). */
const CONSOLE_PACKAGE = 'console-demo';
const CONSOLE_ACTION = 'greet';
const CONSOLE_TRIGGER = 'console-demo-morning';

/** By operation name, in tab order. */
export const TAB_EXAMPLES: Record<string, TabExample> = {
  ListPackages: { note: ['Every package with its actions (1 + N upstream calls)'] },
  PackageDetail: {
    note: ['One package: its default parameters and its actions'],
    variables: { name: 'package001' },
  },
  ActionDetail: {
    note: ['An action and a page of its runs, most recent first'],
    variables: { package: EXAMPLE_ACTION.package, name: EXAMPLE_ACTION.action, page: 1, pageSize: 5 },
  },
  ActivationDetail: {
    note: [
      'One run in full. Paste an id from the ActionDetail tab',
      '(its nodes) or the activationId an invoke answered.',
    ],
    variables: { package: EXAMPLE_ACTION.package, action: EXAMPLE_ACTION.action, id: PASTE_ACTIVATION_ID },
  },
  InvokeAction: {
    note: [
      'Runs an action and waits up to 10 s for its result.',
      'A run that outlives the wait answers completed: false',
      'and its activationId: the StartRun tab waits for one.',
    ],
    variables: { input: { ...EXAMPLE_ACTION, params: {}, timeoutMs: 10_000 } },
  },
  StartRun: {
    note: [
      'Starts a slow run (examples/slow, about 3 s) and waits',
      'for it over WebSocket, in two steps:',
      '1. Press ▶ and pick StartRun. It answers at once:',
      "   completed: false and the run's activationId, which",
      '   the playground copies into "id" under Variables.',
      '2. Press ▶ and pick ActivationCompleted. When the run',
      '   ends: status SUCCESS and result { done: true }.',
    ],
    with: ['ActivationCompleted'],
    variables: { package: 'examples', action: 'slow', id: PASTE_ACTIVATION_ID },
  },
  ActivationCompleted: {
    note: [
      'Waits for a run to finish (over WebSocket), answers once.',
      'Start one in the StartRun tab (or InvokeAction with',
      'timeoutMs 0), then paste its activationId below.',
    ],
    variables: { package: 'examples', action: 'slow', id: PASTE_ACTIVATION_ID },
  },
  ServerHistory: {
    note: ['What happened to a server: each action and its events,', 'newest first (web-1 of the compute emulator)'],
    variables: { id: EXAMPLE_SERVER_ID, first: 10 },
  },
  // The console (operations/console.graphql): reads of the seed, then writes on a package of their own
  // (console-demo), in an order that runs top to bottom on a fresh start: create, change, use, delete.
  ConsoleTriggers: { note: ['Every trigger with its schedule and linked actions', '(1 + T upstream calls)'] },
  TriggerDetail: {
    note: ['The seeded cron trigger and its firings (one a minute', 'after start-up), most recent first'],
    variables: { name: SEED_TRIGGER, page: 1, pageSize: 5 },
  },
  NamespaceActivations: {
    note: ['Every run in the namespace (actions and triggers),', 'most recent first'],
    variables: { page: 1, pageSize: 10 },
  },
  ActionCode: {
    note: ["An action's code: needs the scope functions:code:read"],
    variables: { package: 'package001', name: 'hello' },
  },
  ActionTriggers: {
    note: ['The triggers linked to an action'],
    variables: { package: 'package001', name: 'hello' },
  },
  CreatePackage: {
    note: [
      'Creates the package console-demo (CONFLICT if it exists).',
      'The tabs after it use it, in order, and DeletePackage',
      'removes it at the end.',
    ],
    variables: {
      input: { name: CONSOLE_PACKAGE, description: 'Made in the playground', parameters: { place: 'Seoul' } },
    },
  },
  UpdatePackage: {
    note: ["Changes console-demo's description (what is omitted is kept)"],
    variables: { input: { name: CONSOLE_PACKAGE, description: 'Changed in the playground' } },
  },
  CreateAction: {
    note: ['Creates console-demo/greet (run CreatePackage first);', 'InvokeAction with it runs the code'],
    variables: {
      input: {
        package: CONSOLE_PACKAGE,
        name: CONSOLE_ACTION,
        code: { kind: 'nodejs:22', source: 'function main(p) { return { greeting: `Hi, ${p.name} in ${p.place}` }; }' },
        limits: { timeoutMs: 5000, memoryMb: 128 },
        parameters: { name: 'you' },
      },
    },
  },
  UpdateAction: {
    note: ['Gives console-demo/greet new code and limits; the next', 'run sees the new code'],
    variables: {
      input: {
        package: CONSOLE_PACKAGE,
        name: CONSOLE_ACTION,
        code: { kind: 'nodejs:22', source: 'function main(p) { return { greeting: `Hello again, ${p.name}` }; }' },
        limits: { timeoutMs: 10_000 },
      },
    },
  },
  CreateTrigger: {
    note: ['Creates a cron trigger (every day at 09:00); it fires', 'once an action is linked (LinkTrigger)'],
    variables: {
      input: { name: CONSOLE_TRIGGER, type: 'CRON', cron: '0 9 * * *', parameters: { name: 'the morning trigger' } },
    },
  },
  UpdateTrigger: {
    note: ["Changes the trigger's schedule to every 30 minutes"],
    variables: { input: { name: CONSOLE_TRIGGER, cron: '*/30 * * * *', description: 'Every half hour' } },
  },
  LinkTrigger: {
    note: ['Links console-demo/greet to the trigger: its firings run it'],
    variables: { trigger: CONSOLE_TRIGGER, package: CONSOLE_PACKAGE, action: CONSOLE_ACTION },
  },
  FireTrigger: {
    note: ['Fires the trigger now: its linked actions run with these', 'params over the defaults'],
    variables: { name: CONSOLE_TRIGGER, params: { name: 'Ada' } },
  },
  UnlinkTrigger: {
    note: ['Unlinks console-demo/greet from the trigger'],
    variables: { trigger: CONSOLE_TRIGGER, package: CONSOLE_PACKAGE, action: CONSOLE_ACTION },
  },
  DeleteTrigger: { note: ['Deletes the trigger (its links go with it)'], variables: { name: CONSOLE_TRIGGER } },
  DeleteAction: {
    note: ['Deletes console-demo/greet (its past runs stay readable)'],
    variables: { package: CONSOLE_PACKAGE, name: CONSOLE_ACTION },
  },
  DeletePackage: {
    note: ['Deletes console-demo (CONFLICT while it has actions:', 'DeleteAction first)'],
    variables: { name: CONSOLE_PACKAGE },
  },
};

/**
 * The operations directory, at the repository root: two levels up from src/playground/ (ts-jest,
 * tsx) and dist/playground/ (compiled).
 */
export function operationsDirectory(): string {
  const dir = resolve(__dirname, '..', '..', 'operations');
  if (!existsSync(dir)) throw new Error(`operations directory not found at ${dir}`);
  return dir;
}

/** One named operation of an operation file, with the text it was written as. */
export interface OperationSource {
  name: string;
  file: string;
  operation: OperationDefinitionNode;
  /** The operation as written in its file, followed by the fragments it uses (if any). */
  text: string;
  /** The operation alone, as written. */
  operationText: string;
  /** The fragments it uses, directly or not, in first-use order, as written. */
  fragments: Array<{ name: string; text: string }>;
}

/** Every named operation of operations/*.graphql, files in name order, operations in file order. */
export function loadOperations(dir: string = operationsDirectory()): OperationSource[] {
  const operations: OperationSource[] = [];
  const files = readdirSync(dir)
    .filter((file) => file.endsWith('.graphql'))
    .sort();
  for (const file of files) {
    const body = readFileSync(join(dir, file), 'utf8');
    const document = parse(body);
    const fragments = new Map<string, FragmentDefinitionNode>();
    for (const definition of document.definitions) {
      if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
    }
    const textOf = (node: { loc?: { start: number; end: number } }) => body.slice(node.loc!.start, node.loc!.end);
    for (const definition of document.definitions) {
      if (definition.kind !== Kind.OPERATION_DEFINITION || !definition.name) continue;
      const used = fragmentsUsed(definition, fragments);
      operations.push({
        name: definition.name.value,
        file,
        operation: definition,
        text: [definition, ...used].map(textOf).join('\n\n'),
        operationText: textOf(definition),
        fragments: used.map((fragment) => ({ name: fragment.name.value, text: textOf(fragment) })),
      });
    }
  }
  return operations;
}

/** The fragments `operation` spreads, directly or through other fragments, in first-use order. */
function fragmentsUsed(
  operation: OperationDefinitionNode,
  fragments: Map<string, FragmentDefinitionNode>,
): FragmentDefinitionNode[] {
  const found = new Map<string, FragmentDefinitionNode>();
  const walk = (node: OperationDefinitionNode | FragmentDefinitionNode) =>
    visit(node, {
      FragmentSpread(spread) {
        const fragment = fragments.get(spread.name.value);
        if (fragment && !found.has(fragment.name.value)) {
          found.set(fragment.name.value, fragment);
          walk(fragment);
        }
      },
    });
  walk(operation);
  return [...found.values()];
}

/** The playground's tabs, from the operation files; see the top of this file. */
export function exampleTabs(dir: string = operationsDirectory()): PlaygroundTab[] {
  const operations = new Map<string, OperationSource>();
  for (const op of loadOperations(dir)) if (!operations.has(op.name)) operations.set(op.name, op);
  const listed = Object.keys(TAB_EXAMPLES).filter((name) => operations.has(name));
  const unlisted = [...operations.keys()].filter((name) => !(name in TAB_EXAMPLES));
  return [...listed, ...unlisted].map((name) => {
    const example = TAB_EXAMPLES[name];
    const note = example ? example.note.map((line) => `# ${line}\n`).join('') : '';
    const shown = [name, ...(example?.with ?? []).filter((other) => other !== name && operations.has(other))].map((n) =>
      operations.get(n)!,
    );
    // Each fragment once, after the operations, even when several of them spread it.
    const fragments = new Map<string, string>();
    for (const op of shown)
      for (const fragment of op.fragments)
        if (!fragments.has(fragment.name)) fragments.set(fragment.name, fragment.text);
    const text = [...shown.map((op) => op.operationText), ...fragments.values()].join('\n\n');
    const tab: PlaygroundTab = { query: `${note}${text}\n` };
    if (example?.variables) tab.variables = JSON.stringify(example.variables, null, 2);
    return tab;
  });
}
