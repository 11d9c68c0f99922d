/**
 * scopes: enforces `@scope(requires: "…")` from the SDL. Every field carrying the directive is
 * wrapped so that a caller without the scope gets FORBIDDEN on that field only; siblings resolve.
 * The check runs before the field's resolver, so no upstream call is made for a forbidden field.
 *
 * What an authenticated caller reads depends on who it is, so such a field also makes the answer
 * `Cache-Control: private` (never kept by a shared cache or CDN).
 */
import { defaultFieldResolver, getDirectiveValues, isObjectType, type GraphQLSchema } from 'graphql';
import { refusals } from '../errors';
import type { Principal } from './principal';

export function enforceScopes(schema: GraphQLSchema): GraphQLSchema {
  const directive = schema.getDirective('scope');
  if (!directive) throw new Error('the schema does not declare @scope');
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__')) continue;
    for (const field of Object.values(type.getFields())) {
      if (!field.astNode) continue;
      const values = getDirectiveValues(directive, field.astNode);
      const requires = values?.requires as string | undefined;
      if (!requires) continue;
      const resolve = field.resolve ?? defaultFieldResolver;
      field.resolve = (source, args, ctx: { principal: Principal }, info) => {
        if (!ctx.principal.scopes.has(requires)) {
          throw refusals.missingScope(requires);
        }
        if (ctx.principal.kind !== 'anonymous') {
          (info as { cacheControl?: { setCacheHint(hint: { scope: 'PRIVATE' }): void } }).cacheControl?.setCacheHint({
            scope: 'PRIVATE',
          });
        }
        return resolve(source, args, ctx, info);
      };
      // Subscriptions resolve through `subscribe`; guard it the same way.
      if (field.subscribe) {
        const subscribe = field.subscribe;
        field.subscribe = (source, args, ctx: { principal: Principal }, info) => {
          if (!ctx.principal.scopes.has(requires)) {
            throw refusals.missingScope(requires);
          }
          return subscribe(source, args, ctx, info);
        };
      }
    }
  }
  return schema;
}
