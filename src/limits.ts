/**
 * limits: what one operation may ask for, checked before anything runs.
 *
 *   tokens      parse aborts past GATEWAY_MAX_TOKENS (graphql-js's own maxTokens)
 *   depth       GATEWAY_MAX_DEPTH levels of selection (graphql-armor)
 *   aliases     GATEWAY_MAX_ALIASES (graphql-armor): alias batching multiplies upstream calls
 *   directives  GATEWAY_MAX_DIRECTIVES (graphql-armor)
 *   cost        GATEWAY_MAX_COST (graphql-query-complexity, below): a list field multiplies what is
 *               under it by its size: its `first`/`pageSize` argument, or {@link DEFAULT_LIST_SIZE}
 *
 * All answer HTTP 400 with GRAPHQL_VALIDATION_FAILED (or GRAPHQL_PARSE_FAILED for tokens), before
 * any upstream call. Field suggestions ("Did you mean …?") are hidden when the schema is not public.
 */
import type { ApolloServerPlugin, BaseContext, GraphQLRequestContextDidResolveOperation } from '@apollo/server';
import { ApolloArmor } from '@escape.tech/graphql-armor';
import { getNamedType, getNullableType, GraphQLError, isCompositeType, isListType, type ValidationRule } from 'graphql';
import { getComplexity, type ComplexityEstimatorArgs } from 'graphql-query-complexity';
import { LRUCache } from 'lru-cache';
import type { LimitsConfig } from './config';
import { ErrorCode, GatewayError } from './errors';

/** The size assumed for a list field whose size no argument bounds (packages, actions, events…). */
export const DEFAULT_LIST_SIZE = 20;

/** Arguments that bound the size of a list. */
const SIZE_ARGS = ['first', 'pageSize'];

function sizeArgument(args: Record<string, unknown>): number | undefined {
  for (const name of SIZE_ARGS) {
    const value = args[name];
    if (typeof value === 'number') return Math.max(0, value);
  }
  return undefined;
}

/**
 * Cost of one field: 0 for a scalar, 1 plus its children for an object, and for a list its size
 * times (1 plus the children of one item).
 */
export function fieldCost({ field, args, childComplexity }: ComplexityEstimatorArgs): number {
  // Introspection (`__schema`, `__type`…) reads no upstream; its depth is bounded by graphql-js's
  // MaxIntrospectionDepthRule and by the depth limit.
  if (field.name.startsWith('__')) return 0;
  if (isListType(getNullableType(field.type))) return (sizeArgument(args) ?? DEFAULT_LIST_SIZE) * (1 + childComplexity);
  return isCompositeType(getNamedType(field.type)) ? 1 + childComplexity : 0;
}

/**
 * Connection fields (`activations(pageSize:)`, `instanceActions(first:)`) return one object whose
 * `nodes` list is sized by the connection's own argument. `nodes` has no argument, so it was costed
 * at DEFAULT_LIST_SIZE; the connection scales what is under it to the size asked for.
 */
export function connectionCost({ field, args, childComplexity }: ComplexityEstimatorArgs): number | void {
  if (field.name.startsWith('__')) return 0;
  const isConnection =
    !isListType(getNullableType(field.type)) &&
    isCompositeType(getNamedType(field.type)) &&
    field.args.some((a) => SIZE_ARGS.includes(a.name));
  if (!isConnection) return undefined;
  return 1 + (childComplexity * (sizeArgument(args) ?? DEFAULT_LIST_SIZE)) / DEFAULT_LIST_SIZE;
}

/** Operations of a type the schema does not have (e.g. subscriptions) fail validation, not execution. */
export const knownOperationTypes: ValidationRule = (context) => ({
  OperationDefinition(node) {
    if (!context.getSchema().getRootType(node.operation)) {
      context.reportError(new GraphQLError(`This API has no ${node.operation} operations.`, { nodes: [node] }));
    }
  },
});

export interface OperationLimits {
  plugins: ApolloServerPlugin[];
  validationRules: ValidationRule[];
  parseOptions: { maxTokens: number };
}

export function operationLimits(limits: LimitsConfig, exposeSchema: boolean): OperationLimits {
  const armor = new ApolloArmor({
    maxDepth: { enabled: true, n: limits.maxDepth, exposeLimits: true, flattenFragments: true },
    maxAliases: { enabled: true, n: limits.maxAliases, exposeLimits: true },
    maxDirectives: { enabled: true, n: limits.maxDirectives, exposeLimits: true },
    blockFieldSuggestion: { enabled: !exposeSchema },
    // graphql-js enforces tokens while parsing (parseOptions); cost is computed below, with list sizes.
    maxTokens: { enabled: false },
    costLimit: { enabled: false },
  }).protect();

  // A document's cost depends only on it, the operation and the variables: computed once each
  // (variables that make a long key are not cached).
  const costs = new LRUCache<string, number>({ max: 2_000 });
  const costOf = (context: GraphQLRequestContextDidResolveOperation<BaseContext>): number | undefined => {
    const { request, document, schema, operation, queryHash } = context;
    const variables = JSON.stringify(request.variables ?? {});
    const key = variables.length <= 2_048 ? `${queryHash} ${operation?.name?.value ?? ''} ${variables}` : undefined;
    const known = key === undefined ? undefined : costs.get(key);
    if (known !== undefined) return known;
    try {
      const cost = getComplexity({
        schema,
        query: document,
        variables: request.variables ?? {},
        // The operation Apollo resolved (the client's operationName may not name it).
        ...(operation?.name ? { operationName: operation.name.value } : {}),
        estimators: [connectionCost, fieldCost],
      });
      if (key !== undefined) costs.set(key, cost);
      return cost;
    } catch {
      // Variables that do not coerce: execution will refuse them with BAD_USER_INPUT, before any
      // resolver runs, so there is nothing to cost.
      return undefined;
    }
  };
  const costLimit: ApolloServerPlugin = {
    async requestDidStart() {
      return {
        async didResolveOperation(context) {
          const cost = costOf(context);
          if (cost !== undefined && cost > limits.maxCost) {
            throw new GatewayError(
              ErrorCode.GRAPHQL_VALIDATION_FAILED,
              `The operation is too expensive: its cost is ${Math.ceil(cost)}, the limit is ${limits.maxCost}. Ask for smaller pages or fewer nested lists.`,
              { httpStatus: 400 },
            );
          }
        },
      };
    },
  };

  return {
    plugins: [...armor.plugins, costLimit],
    validationRules: [knownOperationTypes, ...armor.validationRules],
    parseOptions: { maxTokens: limits.maxTokens },
  };
}
