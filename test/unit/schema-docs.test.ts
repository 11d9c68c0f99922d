/**
 * The schema documents itself: built the way the server builds it (every schema/*.graphql through
 * makeExecutableSchema with the resolvers, then enforceScopes), introspected the way GraphiQL's Docs
 * pane reads it, every part a frontend developer sees carries a description, written as paragraphs of
 * one line each (GraphiQL renders a line break inside a paragraph as a break mid-sentence), and every
 * field guarded by `@scope` names the scope it needs.
 */
import { makeExecutableSchema } from '@graphql-tools/schema';
import {
  getDirectiveValues,
  introspectionFromSchema,
  isObjectType,
  type GraphQLSchema,
  type IntrospectionField,
  type IntrospectionInputValue,
  type IntrospectionQuery,
} from 'graphql';
import { enforceScopes } from '../../src/auth/scopes';
import { resolvers } from '../../src/resolvers';
import { loadTypeDefs } from '../../src/schema';

const BUILT_IN_SCALARS = new Set(['String', 'Int', 'Float', 'Boolean', 'ID']);

/** As src/server.ts builds it. */
const served = (): GraphQLSchema =>
  enforceScopes(makeExecutableSchema({ typeDefs: loadTypeDefs(), resolvers: resolvers as never }));
/** The SDL alone: resolvers may replace a scalar's description (graphql-scalars does); the SDL's own must hold too. */
const sdlOnly = (): GraphQLSchema => makeExecutableSchema({ typeDefs: loadTypeDefs() });

/** Every documentable part of the schema, as [coordinate, description] (schema coordinates: `Type.field(arg:)`). */
function documentedParts(introspection: IntrospectionQuery): Array<[string, string | null | undefined]> {
  const parts: Array<[string, string | null | undefined]> = [['schema', introspection.__schema.description]];
  const args = (owner: string, list: readonly IntrospectionInputValue[]) => {
    for (const arg of list) parts.push([`${owner}(${arg.name}:)`, arg.description]);
  };
  for (const type of introspection.__schema.types) {
    if (type.name.startsWith('__') || BUILT_IN_SCALARS.has(type.name)) continue;
    parts.push([type.name, type.description]);
    if (type.kind === 'OBJECT' || type.kind === 'INTERFACE') {
      for (const field of type.fields as readonly IntrospectionField[]) {
        parts.push([`${type.name}.${field.name}`, field.description]);
        args(`${type.name}.${field.name}`, field.args);
      }
    } else if (type.kind === 'INPUT_OBJECT') {
      for (const field of type.inputFields) parts.push([`${type.name}.${field.name}`, field.description]);
    } else if (type.kind === 'ENUM') {
      for (const value of type.enumValues) parts.push([`${type.name}.${value.name}`, value.description]);
    }
  }
  for (const directive of introspection.__schema.directives) {
    // graphql-js documents its own (@deprecated, @include…); ours are ours to document.
    if (['include', 'skip', 'deprecated', 'specifiedBy', 'oneOf'].includes(directive.name)) continue;
    parts.push([`@${directive.name}`, directive.description]);
    args(`@${directive.name}`, directive.args);
  }
  return parts;
}

/** Fields carrying `@scope(requires: …)`, as [coordinate, scope]. */
function scopedFields(schema: GraphQLSchema): Array<[string, string]> {
  const directive = schema.getDirective('scope')!;
  const out: Array<[string, string]> = [];
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__')) continue;
    for (const field of Object.values(type.getFields())) {
      const requires = field.astNode
        ? (getDirectiveValues(directive, field.astNode)?.requires as string | undefined)
        : undefined;
      if (requires) out.push([`${type.name}.${field.name}`, requires]);
    }
  }
  return out;
}

/** A description's line breaks are paragraph breaks only: every `\n` is part of exactly one `\n\n`. */
const hardWrapped = (description: string): boolean =>
  description.split('\n\n').some((paragraph) => paragraph.includes('\n'));

describe.each([
  ['as served (SDL with the resolvers, as src/server.ts builds it)', served],
  ['from the SDL alone', sdlOnly],
])('the schema %s', (_name, build) => {
  const schema = build();
  const introspection = introspectionFromSchema(schema);
  const parts = documentedParts(introspection);

  it('covers every kind of part (sanity check of the walk)', () => {
    const coordinates = parts.map(([c]) => c);
    expect(coordinates).toEqual(
      expect.arrayContaining([
        'schema',
        'Query',
        'Query.server',
        'Query.server(id:)',
        'InvokeActionInput.timeoutMs',
        'ActivationStatus.SUCCESS',
        'JSON',
        '@scope',
        '@scope(requires:)',
      ]),
    );
    expect(parts.length).toBeGreaterThan(100);
  });

  it('has a description of its own', () => {
    expect(introspection.__schema.description?.trim()).toBeTruthy();
  });

  it('describes every type, field, argument, input field and enum value', () => {
    const undocumented = parts.filter(([, description]) => !description?.trim()).map(([coordinate]) => coordinate);
    expect(undocumented).toEqual([]);
  });

  it('writes each paragraph of a description on one line (no hard wrapping)', () => {
    const wrapped = parts
      .filter(([, description]) => description && hardWrapped(description))
      .map(([coordinate, description]) => ({ coordinate, description }));
    expect(wrapped).toEqual([]);
  });

  it('has no blank or space-padded paragraph', () => {
    const untidy = parts
      .filter(
        ([, d]) =>
          d && (d !== d.trim() || d.includes('\n\n\n') || d.split('\n\n').some((p) => p !== p.trim() || p === '')),
      )
      .map(([coordinate]) => coordinate);
    expect(untidy).toEqual([]);
  });

  it('names, in the description of every field with @scope, the scope it needs', () => {
    const fields = scopedFields(schema);
    expect(fields.length).toBeGreaterThan(0);
    const descriptions = new Map(parts);
    const silent = fields
      .filter(([coordinate, scope]) => !descriptions.get(coordinate)?.includes(scope))
      .map(([c, s]) => `${c} (${s})`);
    expect(silent).toEqual([]);
  });
});
