/**
 * persisted-documents: trusted documents for production apps.
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
 * Without a manifest, automatic persisted queries (APQ) work as Apollo implements them: a client
 * sends the hash, and the full document only the first time.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ErrorCode } from './errors';

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
    throw new Error(`GATEWAY_PERSISTED_DOCUMENTS: cannot read ${path} as JSON (${(error as NodeJS.ErrnoException).code ?? 'invalid JSON'})`);
  }
  const entries: Array<[string, unknown]> = [];
  if (parsed && typeof parsed === 'object' && (parsed as { format?: unknown }).format === 'apollo-persisted-query-manifest') {
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

interface GraphQLParams {
  query?: unknown;
  documentId?: unknown;
  extensions?: unknown;
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

function refuse(reply: FastifyReply, requestId: string, code: string, message: string) {
  return reply
    .code(400)
    .type('application/json; charset=utf-8')
    .send({ errors: [{ message, extensions: { code, requestId } }] });
}

/**
 * A preHandler for /graphql that resolves `documentId`s and manifest hashes into documents, and in
 * trusted-only mode refuses everything else, before Apollo sees the request.
 */
export function persistedDocumentsHandler(manifest: Manifest | undefined, only: boolean) {
  return async function resolvePersisted(request: FastifyRequest, reply: FastifyReply): Promise<unknown> {
    const isGet = request.method === 'GET';
    if (isGet && !request.raw.url?.includes('?')) return undefined; // the playground page
    const url = isGet ? new URL(request.raw.url ?? '/', 'http://gateway') : undefined;
    const params: GraphQLParams = isGet
      ? { query: url!.searchParams.get('query') ?? undefined, documentId: url!.searchParams.get('documentId') ?? undefined, extensions: url!.searchParams.get('extensions') ?? undefined }
      : (request.body && typeof request.body === 'object' && !Array.isArray(request.body) ? (request.body as GraphQLParams) : {});

    let document: string | undefined;
    if (params.documentId !== undefined) {
      const id = String(params.documentId).replace(/^sha256:/, '').toLowerCase();
      document = manifest?.get(id);
      if (document === undefined) return refuse(reply, request.id, ErrorCode.PERSISTED_QUERY_NOT_FOUND, 'Unknown documentId: it is not in the persisted documents.');
    } else {
      const hash = persistedHash(params.extensions);
      if (typeof params.query === 'string') {
        if (only && !manifest?.has(sha256Hex(params.query))) {
          return refuse(reply, request.id, ErrorCode.PERSISTED_QUERY_REQUIRED, 'Only trusted operations are accepted: send the documentId of a persisted document.');
        }
      } else if (hash !== undefined && manifest?.has(hash)) {
        document = manifest.get(hash);
      } else if (only) {
        return refuse(
          reply,
          request.id,
          hash !== undefined ? ErrorCode.PERSISTED_QUERY_NOT_FOUND : ErrorCode.PERSISTED_QUERY_REQUIRED,
          hash !== undefined ? 'Unknown persisted query: it is not in the persisted documents.' : 'Only trusted operations are accepted: send the documentId of a persisted document.',
        );
      }
    }
    if (document === undefined) return undefined;

    // Hand Apollo the document itself.
    if (isGet) {
      url!.searchParams.delete('documentId');
      url!.searchParams.set('query', document);
      request.raw.url = `${url!.pathname}?${url!.searchParams.toString()}`;
    } else {
      const body = request.body as Record<string, unknown>;
      delete body.documentId;
      body.query = document;
    }
    return undefined;
  };
}

/** In trusted-only mode, whether a subscription's document may run. */
export function isTrusted(manifest: Manifest | undefined, document: string): boolean {
  return manifest?.has(sha256Hex(document)) ?? false;
}
