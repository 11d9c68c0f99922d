/**
 * documents: which document an operation runs, whatever the transport: trusted documents for
 * production apps, named by id instead of sent.
 *
 * GATEWAY_PERSISTED_DOCUMENTS names a manifest of the operations the apps may send, in either form:
 *   - `{ "sha256:<hex>": "<document>", … }` (or bare hex keys): what graphql-codegen's client
 *     preset writes (src/__generated__/client/persisted-documents.json);
 *   - Apollo's `{ "format": "apollo-persisted-query-manifest", "version": 1, "operations": [{ "id", "body", … }] }`.
 * Every id must be the SHA-256 of its document; the manifest is refused otherwise.
 *
 * A request may then name a document instead of sending it: `documentId: "sha256:<hex>"` (the
 * GraphQL-over-HTTP persisted-documents proposal; in the body, or the query string of a GET) or an
 * automatic-persisted-query hash (`extensions.persistedQuery.sha256Hash`) of a manifest document.
 * With GATEWAY_PERSISTED_DOCUMENTS_ONLY=true nothing else runs: a document that is not in the
 * manifest is refused with PERSISTED_QUERY_REQUIRED, an unknown id with PERSISTED_QUERY_NOT_FOUND.
 *
 * Without a manifest, automatic persisted queries (APQ) work over HTTP as Apollo implements them: a
 * client sends the hash, and the full document only the first time. Apollo keeps them in its memory,
 * or, with GATEWAY_REDIS_URL, in Redis for the whole fleet (src/fleet/apq-store.ts); both take the
 * hash as Apollo checks it (64 lower-case hex), while the manifest lookups here accept any case.
 *
 * Over WebSocket the same rules apply to a subscribe message's payload: `documentId` (or the APQ
 * hash of a manifest document in `extensions`) with an empty `query`. APQ proper is HTTP's only: over
 * WebSocket a hash outside the manifest is neither looked up nor registered (in one process or a
 * fleet): a message with its `query` runs that query, one with the hash alone fails to parse
 * (GRAPHQL_PARSE_FAILED), so graphql-ws clients send their documents.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { refusals } from '../errors';

export type Manifest = ReadonlyMap<string, string>;

const HEX64 = /^[0-9a-f]{64}$/;

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** The manifest as a map from SHA-256 hex to document; throws an Error naming what is wrong. */
export function loadManifest(path: string): Manifest {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new Error(
      `GATEWAY_PERSISTED_DOCUMENTS: cannot read ${path} as JSON ` +
        `(${(error as NodeJS.ErrnoException).code ?? 'invalid JSON'})`,
      {
        cause: error,
      },
    );
  }
  const entries: Array<[string, unknown]> = [];
  if (
    parsed &&
    typeof parsed === 'object' &&
    (parsed as { format?: unknown }).format === 'apollo-persisted-query-manifest'
  ) {
    const operations = (parsed as { operations?: unknown }).operations;
    if (!Array.isArray(operations)) throw new Error('GATEWAY_PERSISTED_DOCUMENTS: "operations" must be an array');
    for (const op of operations as Array<{ id?: unknown; body?: unknown }>) entries.push([String(op.id), op.body]);
  } else if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) {
    entries.push(...Object.entries(parsed));
  } else {
    throw new Error('GATEWAY_PERSISTED_DOCUMENTS: expected an object of documents by hash');
  }
  const manifest = new Map<string, string>();
  for (const [rawId, body] of entries) {
    const id = rawId.replace(/^sha256:/, '');
    if (!HEX64.test(id)) throw new Error(`GATEWAY_PERSISTED_DOCUMENTS: ${JSON.stringify(rawId)} is not a SHA-256 id`);
    if (typeof body !== 'string' || sha256Hex(body) !== id) {
      throw new Error(`GATEWAY_PERSISTED_DOCUMENTS: the document of ${rawId} does not hash to its id`);
    }
    manifest.set(id, body);
  }
  return manifest;
}

/** What a client sends to run one operation, over any transport (GraphQL over HTTP, graphql-ws). */
export interface OperationRequest {
  query?: unknown;
  documentId?: unknown;
  extensions?: unknown;
  variables?: unknown;
  operationName?: unknown;
}

function persistedHash(extensions: unknown): string | undefined {
  let value = extensions;
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value);
    } catch {
      return undefined;
    }
  }
  const hash = (value as { persistedQuery?: { sha256Hash?: unknown } } | undefined)?.persistedQuery?.sha256Hash;
  return typeof hash === 'string' ? hash.toLowerCase() : undefined;
}

export class DocumentPolicy {
  readonly #manifest: Manifest | undefined;
  readonly #only: boolean;

  constructor(manifest: Manifest | undefined, only: boolean) {
    this.#manifest = manifest;
    this.#only = only;
  }

  /** Whether there is anything to resolve or refuse (a manifest, or trusted-only mode). */
  get active(): boolean {
    return this.#manifest !== undefined || this.#only;
  }

  /**
   * The manifest document the request names, or undefined when it runs its own `query` (or an
   * APQ hash that Apollo resolves). Throws a 400 GatewayError when the request may not run.
   */
  resolve(request: OperationRequest): string | undefined {
    const manifest = this.#manifest;
    if (request.documentId !== undefined && request.documentId !== null) {
      const id = String(request.documentId)
        .replace(/^sha256:/, '')
        .toLowerCase();
      const document = manifest?.get(id);
      if (document === undefined) throw refusals.unknownDocumentId();
      return document;
    }
    const hash = persistedHash(request.extensions);
    if (typeof request.query === 'string' && request.query !== '') {
      if (this.#only && !manifest?.has(sha256Hex(request.query))) throw refusals.untrustedDocument();
      return undefined;
    }
    if (hash !== undefined && manifest?.has(hash)) return manifest.get(hash);
    if (this.#only) {
      throw hash !== undefined ? refusals.unknownPersistedQuery() : refusals.untrustedDocument();
    }
    return undefined;
  }
}
