/**
 * README.md is the user contract, so its examples are run as written: this test reads README.md, extracts
 * every runnable example and runs it against a freshly started gateway with the embedded emulators (the
 * harness), changing only the documented address (localhost:4000) to the harness's own:
 *   - each ```graphql block (one operation), with the ```json variables block under it, over HTTP;
 *   - each ```sh block of `curl` commands, through bash and the real curl binary;
 *   - the urql snippets (```ts): type-checked as written, checked for top-level await, bundled with
 *     esbuild (as a frontend's build would) and run in Node (a child process, modules resolved from this
 *     repository) and in headless Chromium (a page on the gateway's origin; skipped with a message when
 *     there is no browser, except under CI);
 *   - the frontend's codegen.yml (```yaml), run by graphql-codegen over a copy of the printed schema.
 * Each example must be followed by the answer it documents (```json answer, or ```text output for the
 * snippets), and the answer received must be that one: `…` in a documented answer stands for any value
 * (a string with `…` in it, for any text in its place). A ```sh block that starts the gateway with
 * variables (`VAR=… npm start`) gives those variables to the gateways of the examples after it in the
 * same section.
 */
import { execFile, spawn } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { inspect, promisify } from 'node:util';
import { build, stop as stopEsbuild } from 'esbuild';
import { Kind, parse } from 'graphql';
import { chromium } from 'playwright-core';
import ts from 'typescript';
import { SEED_ACTIVATION_ID, SEED_ACTIVATION_IDS } from '../../src/emulators/cloudfunctions/seed';
import { SEED_CREATE_REQUEST_ID, SEED_REBOOT_REQUEST_ID, SEED_SERVER_ID } from '../../src/emulators/compute';
import { withHarness, type Harness } from '../helpers/gateway';

const ROOT = resolve(__dirname, '..', '..');
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
const DOCUMENTED_ADDRESS = 'localhost:4000';
const CHROMIUM_PATH = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const HAVE_CHROMIUM = existsSync(CHROMIUM_PATH);
const execFileAsync = promisify(execFile);
/**
 * The snippets' gateway runs examples/slow in 1.2 s instead of npm start's 3 s (which the README tells):
 * what they print does not depend on how long the run takes, only that it outlives timeoutMs 0.
 */
const SNIPPET_HARNESS = { logLevel: 'silent', emulator: { slowActionMs: 1200 } };

// ---- reading the README ----

interface Block {
  lang: string;
  tag: string;
  text: string;
  /** 1-based line of the opening fence. */
  line: number;
  section: string;
  /** What the section's `VAR=… npm start` line set before this block. */
  env: Record<string, string>;
}

const START_WITH_ENV = /^((?:[A-Z][A-Z0-9_]*=\S+\s+)+)npm start$/;

function readBlocks(markdown: string): Block[] {
  const blocks: Block[] = [];
  const lines = markdown.split('\n');
  let section = '';
  let env: Record<string, string> = {};
  for (let i = 0; i < lines.length; i += 1) {
    const line = lines[i]!;
    const heading = /^#{1,6} (.*)$/.exec(line);
    if (heading) {
      section = heading[1]!;
      env = {};
      continue;
    }
    const fence = /^```(\S*)\s*(\S*)\s*$/.exec(line);
    if (!fence) continue;
    const start = i;
    const body: string[] = [];
    for (i += 1; i < lines.length && lines[i] !== '```'; i += 1) body.push(lines[i]!);
    const block: Block = { lang: fence[1]!, tag: fence[2]!, text: body.join('\n'), line: start + 1, section, env };
    blocks.push(block);
    const starts = body.map((l) => START_WITH_ENV.exec(l.trim())).find(Boolean);
    if (block.lang === 'sh' && starts) env = Object.fromEntries(starts[1]!.trim().split(/\s+/).map(assignment));
  }
  return blocks;
}

function assignment(text: string): [string, string] {
  const at = text.indexOf('=');
  const [name, value] = [text.slice(0, at), text.slice(at + 1)];
  // A path relative to the repository (as `npm start` runs from its root).
  return [name, existsSync(join(ROOT, value)) ? join(ROOT, value) : value];
}

type Example =
  | { kind: 'graphql'; name: string; block: Block; variables?: Record<string, unknown>; answer: unknown }
  | { kind: 'curl'; name: string; block: Block; answer: unknown };

/** The block after `index` (skipping none) if it has this language and tag. */
function next(blocks: Block[], index: number, lang: string, tag: string): Block | undefined {
  const block = blocks[index + 1];
  return block && block.lang === lang && block.tag === tag ? block : undefined;
}

function answerAfter(blocks: Block[], index: number, what: string): unknown {
  const answer = next(blocks, index, 'json', 'answer');
  if (!answer) throw new Error(`README line ${blocks[index]!.line}: ${what} has no \`\`\`json answer block under it`);
  return JSON.parse(answer.text);
}

function isCurlBlock(block: Block): boolean {
  return block.lang === 'sh' && /(^|\s)curl\s/.test(block.text);
}

/** The block's commands: comment lines dropped, continued lines joined. */
function commands(block: Block): string[] {
  return block.text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
}

function readExamples(blocks: Block[]): Example[] {
  const examples: Example[] = [];
  blocks.forEach((block, index) => {
    if (block.lang === 'graphql') {
      const operations = parse(block.text).definitions.filter((d) => d.kind === Kind.OPERATION_DEFINITION);
      if (operations.length !== 1 || !operations[0]!.name) {
        throw new Error(`README line ${block.line}: a GraphQL example must be exactly one named operation`);
      }
      const variablesBlock = next(blocks, index, 'json', 'variables');
      examples.push({
        kind: 'graphql',
        name: operations[0]!.name.value,
        block,
        ...(variablesBlock ? { variables: JSON.parse(variablesBlock.text) } : {}),
        answer: answerAfter(blocks, variablesBlock ? index + 1 : index, 'the GraphQL example'),
      });
    } else if (isCurlBlock(block)) {
      const lines = commands(block);
      if (lines.length !== 1 || !lines[0]!.startsWith('curl ')) {
        throw new Error(`README line ${block.line}: a curl example is one curl command (with its answer under it)`);
      }
      examples.push({
        kind: 'curl',
        name: `curl at line ${block.line}`,
        block,
        answer: answerAfter(blocks, index, 'the curl example'),
      });
    }
  });
  return examples;
}

// ---- comparing answers ----

/** Where `actual` differs from the documented `expected` (`…` matching any value), as `path: why`. */
function differences(expected: unknown, actual: unknown, path = '$'): string[] {
  if (expected === '…') return actual === undefined || actual === null ? [`${path}: missing (documented as …)`] : [];
  if (typeof expected === 'string' && expected.includes('…')) {
    const pattern = new RegExp(`^${expected.split('…').map(escapeRegExp).join('.*')}$`, 's');
    return typeof actual === 'string' && pattern.test(actual)
      ? []
      : [`${path}: ${JSON.stringify(actual)} is not ${JSON.stringify(expected)}`];
  }
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual) || actual.length !== expected.length) {
      return [`${path}: ${JSON.stringify(actual)} is not a list of ${expected.length}`];
    }
    return expected.flatMap((e, i) => differences(e, actual[i], `${path}[${i}]`));
  }
  if (expected && typeof expected === 'object') {
    if (!actual || typeof actual !== 'object' || Array.isArray(actual))
      return [`${path}: ${JSON.stringify(actual)} is not an object`];
    const keys = new Set([...Object.keys(expected), ...Object.keys(actual)]);
    return [...keys].flatMap((key) =>
      key in expected
        ? differences(
            (expected as Record<string, unknown>)[key],
            (actual as Record<string, unknown>)[key],
            `${path}.${key}`,
          )
        : [`${path}.${key}: answered (${JSON.stringify((actual as Record<string, unknown>)[key])}) but not documented`],
    );
  }
  return Object.is(expected, actual) ? [] : [`${path}: ${JSON.stringify(actual)} is not ${JSON.stringify(expected)}`];
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The README's text with the documented address replaced by the harness's. */
function pointedAt(h: Harness, text: string): string {
  return text.split(DOCUMENTED_ADDRESS).join(new URL(h.url).host);
}

const BLOCKS = readBlocks(README);
const EXAMPLES = readExamples(BLOCKS);
const SNIPPETS = BLOCKS.filter((b) => b.lang === 'ts');
const BROWSER_SNIPPET = SNIPPETS.find((b) => !/from 'ws'/.test(b.text));
const NODE_SNIPPET = SNIPPETS.find((b) => /from 'ws'/.test(b.text));
const CODEGEN_CONFIG = BLOCKS.find((b) => b.lang === 'yaml' && b.text.includes('preset: client'));

/** The ```text output block the snippet's output is documented in: the first one after it. */
function documentedOutput(snippet: Block): string {
  const output = BLOCKS.slice(BLOCKS.indexOf(snippet) + 1).find((b) => b.lang === 'text' && b.tag === 'output');
  if (!output) throw new Error(`README line ${snippet.line}: no \`\`\`text output block after the snippet`);
  return output.text;
}

describe('the README, read', () => {
  it('has the examples this test runs, and every sh block that calls curl is one', () => {
    expect(EXAMPLES.filter((e) => e.kind === 'graphql').map((e) => e.name)).toEqual([
      'Packages',
      'RecentRuns',
      'OneRun',
      'SayHello',
      'Triggers',
      'HelloCode',
      'NamespaceRuns',
      'ShopCycle',
      'DeleteBusyPackage',
      'NightlyCycle',
      'BadSchedule',
      'ServerActions',
    ]);
    expect(EXAMPLES.filter((e) => e.kind === 'curl')).toHaveLength(4);
    expect(BLOCKS.filter((b) => b.text.includes('curl ') && b.lang !== 'sh')).toEqual([]);
    expect(SNIPPETS).toHaveLength(2);
    expect(BROWSER_SNIPPET).toBeDefined();
    expect(NODE_SNIPPET).toBeDefined();
    expect(CODEGEN_CONFIG).toBeDefined();
    // Every runnable example addresses the documented endpoint and nothing else.
    for (const block of [...EXAMPLES.filter((e) => e.kind === 'curl').map((e) => e.block), ...SNIPPETS]) {
      expect(block.text).toContain(`${DOCUMENTED_ADDRESS}/graphql`);
      expect(block.text.replace(/(https?|wss?):\/\/localhost:4000\/graphql/g, '')).not.toMatch(/https?:\/\/|wss?:\/\//);
    }
  });

  it("names the emulators' fixed seed ids, as the seeds define them", () => {
    expect(README).toContain(SEED_ACTIVATION_ID);
    for (const id of SEED_ACTIVATION_IDS) expect(README).toContain(id);
    expect(README).toContain(SEED_REBOOT_REQUEST_ID);
    expect(README).toContain(SEED_CREATE_REQUEST_ID);
    expect(README).toContain(SEED_SERVER_ID);
  });

  it('starts the trusted-documents gateway of its mobile section with the generated manifest', () => {
    const trusted = EXAMPLES.filter((e) => e.block.env.GATEWAY_PERSISTED_DOCUMENTS_ONLY === 'true');
    expect(trusted.map((e) => e.block.section)).toEqual(
      Array(3).fill('A mobile app: the persisted-documents manifest'),
    );
    expect(trusted[0]!.block.env.GATEWAY_PERSISTED_DOCUMENTS).toBe(
      join(ROOT, 'src/__generated__/client/persisted-documents.json'),
    );
  });
});

describe('every example of the README, run as written against a fresh gateway', () => {
  for (const example of EXAMPLES) {
    const where = `README line ${example.block.line}, ${example.block.section}`;
    it(`${example.name} (${where}) answers as documented`, async () => {
      // No cron timer: the seeded every-minute trigger must not add runs if a minute boundary passes.
      await withHarness({ env: example.block.env, logLevel: 'silent', emulator: { cronTimer: false } }, async (h) => {
        const answer = example.kind === 'graphql' ? await runGraphql(h, example) : await runCurl(h, example.block);
        expect(differences(example.answer, answer)).toEqual([]);
      });
    });
  }
});

async function runGraphql(h: Harness, example: Extract<Example, { kind: 'graphql' }>): Promise<unknown> {
  const res = await h.gql(example.block.text, example.variables);
  expect(res.status).toBe(200);
  return res.body;
}

/** Runs the block through bash (so the real curl binary, with the README's quoting) and parses what it prints. */
async function runCurl(h: Harness, block: Block): Promise<unknown> {
  const { stdout, stderr } = await execFileAsync('bash', ['-c', pointedAt(h, block.text)], { timeout: 30_000 });
  expect(stderr).toBe('');
  return JSON.parse(stdout);
}

// ---- the urql snippets ----

/** The snippet as a file of src/ (where its `./__generated__/client/graphql` import resolves). */
const snippetPath = (name: string) => join(ROOT, 'src', `readme-${name}-snippet.ts`);

function topLevelAwaits(source: string): number[] {
  const file = ts.createSourceFile('snippet.ts', source, ts.ScriptTarget.ES2022, true);
  const found: number[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isFunctionLike(node) || ts.isClassLike(node)) return;
    if (ts.isAwaitExpression(node) || (ts.isForOfStatement(node) && node.awaitModifier)) {
      found.push(file.getLineAndCharacterOfPosition(node.getStart()).line + 1);
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return found;
}

/** Type errors of the snippets, type-checked as files of src/ with this repository's compiler options. */
function typeErrors(snippets: Record<string, string>): string[] {
  const config = ts.readConfigFile(join(ROOT, 'tsconfig.json'), (p) => ts.sys.readFile(p));
  const { options } = ts.parseJsonConfigFileContent(config.config, ts.sys, ROOT);
  const compilerOptions = { ...options, noEmit: true, lib: ['lib.es2023.d.ts', 'lib.dom.d.ts'], types: ['node'] };
  const host = ts.createCompilerHost(compilerOptions);
  const files = new Map(Object.entries(snippets).map(([name, text]) => [snippetPath(name), text]));
  const { getSourceFile, fileExists, readFile } = host;
  host.fileExists = (p) => files.has(p) || fileExists.call(host, p);
  host.readFile = (p) => files.get(p) ?? readFile.call(host, p);
  host.getSourceFile = (p, language, ...rest) =>
    files.has(p) ? ts.createSourceFile(p, files.get(p)!, language) : getSourceFile.call(host, p, language, ...rest);
  const program = ts.createProgram([...files.keys()], compilerOptions, host);
  return ts
    .getPreEmitDiagnostics(program)
    .map((d) => `${d.file?.fileName ?? ''}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
}

/** Bundles a snippet as a frontend's build would (its local import resolved from src/). */
async function bundle(name: string, text: string, platform: 'node' | 'browser'): Promise<string> {
  const result = await build({
    stdin: { contents: text, resolveDir: join(ROOT, 'src'), sourcefile: `README ${name} snippet.ts`, loader: 'ts' },
    bundle: true,
    write: false,
    logLevel: 'silent',
    platform,
    ...(platform === 'node'
      ? { format: 'cjs' as const, target: 'node24', packages: 'external' as const }
      : { format: 'iife' as const, target: 'chrome120', define: { 'process.env.NODE_ENV': '"production"' } }),
  });
  return result.outputFiles[0]!.text;
}

/** Runs CommonJS code in a child Node process, from the repository's root (its node_modules). */
function runNode(code: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done, fail) => {
    const env = { ...process.env };
    delete env.GATEWAY_TOKEN;
    delete env.NODE_OPTIONS;
    const child = spawn(process.execPath, ['-'], { cwd: ROOT, env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += String(chunk)));
    child.stderr.on('data', (chunk) => (stderr += String(chunk)));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('error', fail);
    child.on('close', (exit) => {
      clearTimeout(timer);
      done({ code: exit, stdout, stderr });
    });
    child.stdin.end(code);
  });
}

describe('the urql snippets of Connecting clients', () => {
  afterAll(() => stopEsbuild());

  it('are written without top-level await, and type-check against the generated documents', () => {
    expect(topLevelAwaits(BROWSER_SNIPPET!.text)).toEqual([]);
    expect(topLevelAwaits(NODE_SNIPPET!.text)).toEqual([]);
    expect(typeErrors({ browser: BROWSER_SNIPPET!.text, node: NODE_SNIPPET!.text })).toEqual([]);
  }, 60_000);

  it('run in Node, as written, with ws as the WebSocket, and print what the README shows', async () => {
    await withHarness(SNIPPET_HARNESS, async (h) => {
      const code = await bundle('node', pointedAt(h, NODE_SNIPPET!.text), 'node');
      const run = await runNode(code);
      expect({ ...run, stdout: run.stdout.trimEnd() }).toEqual({
        code: 0,
        stdout: documentedOutput(NODE_SNIPPET!),
        stderr: '',
      });
    });
  }, 60_000);

  (HAVE_CHROMIUM ? it : it.skip)(
    'run in headless Chromium, as written, on a page of the gateway, and log what the README shows',
    async () => {
      await withHarness(SNIPPET_HARNESS, async (h) => {
        const code = await bundle('browser', pointedAt(h, BROWSER_SNIPPET!.text), 'browser');
        const { logs, problems } = await runInBrowser(
          new URL(h.url).origin,
          code,
          documentedOutput(BROWSER_SNIPPET!).split('\n').length,
        );
        expect(problems).toEqual([]);
        expect(logs.join('\n')).toBe(documentedOutput(BROWSER_SNIPPET!));
      });
    },
    90_000,
  );
});

if (!HAVE_CHROMIUM) {
  const message = `readme: no Chromium at ${CHROMIUM_PATH} (bash scripts/install-chromium.sh, or set CHROMIUM_PATH)`;
  if (process.env.CI) throw new Error(`${message}; under CI the browser snippet must run.`);
  console.warn(`${message}: the browser snippet is only type-checked.`);
}

/**
 * Loads `code` into a page of `origin` and collects its console.log lines (formatted as Node's console
 * formats them).
 */
async function runInBrowser(
  origin: string,
  code: string,
  lines: number,
): Promise<{ logs: string[]; problems: string[] }> {
  const userDataDir = mkdtempSync(join(tmpdir(), 'readme-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    timeout: 60_000,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--no-first-run',
      '--disable-background-networking',
      '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1',
    ],
  });
  const logs: string[] = [];
  const problems: string[] = [];
  try {
    await context.route('**/*', (route) =>
      route.request().url().startsWith(origin) ? route.continue() : route.abort('blockedbyclient'),
    );
    const page = context.pages()[0] ?? (await context.newPage());
    const settled = new Promise<void>((done) => {
      page.on('console', (message) => {
        void (async () => {
          if (message.type() === 'log') {
            const args = await Promise.all(message.args().map((a) => a.jsonValue()));
            logs.push(args.map((a) => (typeof a === 'string' ? a : inspect(a))).join(' '));
          } else {
            problems.push(`console.${message.type()}: ${message.text()}`);
          }
          // A snippet that fails logs its error and stops: there is nothing more to wait for.
          if (logs.length === lines || message.type() === 'error') done();
        })();
      });
      page.on('pageerror', (error) => {
        problems.push(`page error: ${String(error)}`);
        done();
      });
    });
    await page.goto(`${origin}/healthz`);
    await page.addScriptTag({ content: code });
    await Promise.race([settled, new Promise((wait) => setTimeout(wait, 30_000))]);
  } finally {
    await context.close().catch(() => undefined);
    rmSync(userDataDir, { recursive: true, force: true });
  }
  return { logs, problems };
}

// ---- the frontend's codegen.yml ----

describe("the frontend's codegen configuration of Connecting clients", () => {
  it(
    'generates typed documents and the same manifest, with the same ids, ' +
      'from the printed schema and the same operations',
    async () => {
      mkdirSync(join(ROOT, 'test-artifacts'), { recursive: true });
      // Inside the repository, so graphql-codegen finds its preset in node_modules, as in a frontend's repository.
      const dir = mkdtempSync(join(ROOT, 'test-artifacts', 'readme-codegen-'));
      try {
        writeFileSync(join(dir, 'codegen.yml'), CODEGEN_CONFIG!.text);
        copyFileSync(join(ROOT, 'src', '__generated__', 'schema.graphql'), join(dir, 'schema.graphql'));
        mkdirSync(join(dir, 'src'));
        for (const file of readdirSync(join(ROOT, 'operations')))
          copyFileSync(join(ROOT, 'operations', file), join(dir, 'src', file));
        const cli = join(ROOT, 'node_modules', '@graphql-codegen', 'cli', 'cjs', 'bin.js');
        await execFileAsync(process.execPath, [cli, '--config', 'codegen.yml', '--silent'], {
          cwd: dir,
          timeout: 60_000,
        });
        const generated = join(dir, 'src', '__generated__', 'client');
        const manifest = JSON.parse(readFileSync(join(generated, 'persisted-documents.json'), 'utf8'));
        expect(manifest).toEqual(
          JSON.parse(readFileSync(join(ROOT, 'src', '__generated__', 'client', 'persisted-documents.json'), 'utf8')),
        );
        const types = readFileSync(join(generated, 'graphql.ts'), 'utf8');
        for (const name of ['ListPackagesDocument', 'InvokeActionDocument', 'ActivationCompletedDocument'])
          expect(types).toContain(`export const ${name} =`);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
    90_000,
  );
});
