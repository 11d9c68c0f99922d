/**
 * How src/playground/examples.ts turns operation files into tabs, on a directory of its own: the
 * operation as written plus the fragments it spreads (also through other fragments), anonymous
 * operations left out, operations TAB_EXAMPLES does not list still shown (after the listed ones,
 * with no variables), an operation named twice shown once, and a tab that shows a second
 * operation after its own (`with`: the slow-run walk-through) with the fragments of both, once.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kind, parse, type OperationDefinitionNode } from 'graphql';
import { exampleTabs, loadOperations, TAB_EXAMPLES } from '../../src/playground/examples';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'playground-operations-'));
  writeFileSync(
    join(dir, 'a.graphql'),
    `# a file comment

query Unlisted {
  packages { ...PackageFields }
}

fragment PackageFields on Package {
  name
  actions { ...ActionFields }
}

fragment ActionFields on Action { name }

fragment NotUsed on Package { description }

{ packages { name } }
`,
  );
  writeFileSync(
    join(dir, 'b.graphql'),
    'query ListPackages { packages { name } }\nquery Unlisted { packages { description } }\n',
  );
  writeFileSync(join(dir, 'notes.txt'), 'query Ignored { packages { name } }\n');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const operationName = (query: string) =>
  parse(query).definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION)?.name?.value;

describe('exampleTabs', () => {
  it('puts the listed operations first (in TAB_EXAMPLES order), then the others, each once', () => {
    const tabs = exampleTabs(dir);
    expect(tabs.map((t) => operationName(t.query))).toEqual(['ListPackages', 'Unlisted']);
    expect(tabs[0]!.query.startsWith(`# ${TAB_EXAMPLES.ListPackages!.note[0]}\n`)).toBe(true);
    expect(tabs[1]!.variables).toBeUndefined();
  });

  it('gives a tab the fragments its operation spreads, directly or not, and no others', () => {
    const unlisted = exampleTabs(dir).find((t) => t.query.includes('query Unlisted'))!;
    const document = parse(unlisted.query);
    expect(document.definitions.map((d) => ('name' in d ? d.name?.value : undefined))).toEqual([
      'Unlisted',
      'PackageFields',
      'ActionFields',
    ]);
    // The first file's Unlisted wins over the second's.
    expect(unlisted.query).toContain('...PackageFields');
  });

  it('reads only .graphql files and skips anonymous operations', () => {
    expect(loadOperations(dir).map((op) => `${op.file}:${op.name}`)).toEqual([
      'a.graphql:Unlisted',
      'b.graphql:ListPackages',
      'b.graphql:Unlisted',
    ]);
  });

  it('fails clearly when the operations directory is missing', () => {
    expect(() => exampleTabs(join(dir, 'nope'))).toThrow(/ENOENT/);
  });

  describe('a tab with a second operation (with)', () => {
    let walk: string;
    beforeAll(() => {
      walk = mkdtempSync(join(tmpdir(), 'playground-operations-with-'));
      writeFileSync(
        join(walk, 'runs.graphql'),
        `mutation StartRun($action: String!) {
  invokeAction(input: { action: $action, timeoutMs: 0 }) { activationId ...Started }
}

subscription ActivationCompleted($action: String!, $id: ID!) {
  activationCompleted(action: $action, id: $id) { ...Finished }
}

fragment Started on InvokeActionResult { completed }

fragment Finished on Activation { id ...Outcome }

fragment Outcome on Activation { status }
`,
      );
    });
    afterAll(() => rmSync(walk, { recursive: true, force: true }));

    it('shows StartRun, ActivationCompleted, then the fragments of both, each once; the latter keeps its tab', () => {
      const tabs = exampleTabs(walk);
      expect(tabs.map((t) => operationName(t.query))).toEqual(['StartRun', 'ActivationCompleted']);
      const [startRun, completed] = tabs.map((t) =>
        parse(t.query).definitions.map((d) => ('name' in d ? d.name?.value : undefined)),
      );
      expect(startRun).toEqual(['StartRun', 'ActivationCompleted', 'Started', 'Finished', 'Outcome']);
      expect(completed).toEqual(['ActivationCompleted', 'Finished', 'Outcome']);
      expect(TAB_EXAMPLES.StartRun!.with).toEqual(['ActivationCompleted']);
      expect(JSON.parse(tabs[0]!.variables!)).toEqual({
        package: 'examples',
        action: 'slow',
        id: 'paste an activationId here',
      });
    });

    it("shows the tab's own operation alone when the other is not in the files", () => {
      const alone = mkdtempSync(join(tmpdir(), 'playground-operations-alone-'));
      try {
        writeFileSync(
          join(alone, 'a.graphql'),
          'mutation StartRun { invokeAction(input: { action: "a" }) { completed } }\n',
        );
        const tabs = exampleTabs(alone);
        expect(tabs.map((t) => parse(t.query).definitions.length)).toEqual([1]);
      } finally {
        rmSync(alone, { recursive: true, force: true });
      }
    });
  });
});
