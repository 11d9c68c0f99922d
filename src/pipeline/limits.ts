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
 * introspection  `__schema` and `__type` are refused when GATEWAY_INTROSPECTION is off
 *
 * All answer HTTP 400 with GRAPHQL_VALIDATION_FAILED (or GRAPHQL_PARSE_FAILED for tokens), before
 * any upstream call, over every transport: the rules are plain graphql-js validation rules and the
 * cost meter a function, used as they are by Apollo (HTTP) and by the WebSocket handler.
 */
import { ApolloArmor } from '@escape.tech/graphql-armor';
import {
  getNamedType,
  getNullableType,
  GraphQLError,
  isCompositeType,
  isListType,
  type DocumentNode,
  type GraphQLSchema,
  type ValidationRule,
} from 'graphql';
import { getComplexity, type ComplexityEstimatorArgs } from 'graphql-query-complexity';
import { LRUCache } from 'lru-cache';
import type { LimitsConfig } from '../config';
import { refusals, type GatewayError } from '../errors';

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

/** Introspection off: `__schema` and `__type` fail validation (`__typename` is always allowed). */
export const noIntrospection: ValidationRule = (context) => ({
  Field(node) {
    if (node.name.value === '__schema' || node.name.value === '__type') {
      context.reportError(new GraphQLError('Introspection is disabled on this gateway.', { nodes: [node] }));
    }
  },
});

/**
 * The validation rules beyond graphql-js's specified rules: known operation types, introspection
 * when it is off, and graphql-armor's depth, alias and directive limits.
 */
export function validationRules(limits: LimitsConfig, introspection: boolean): ValidationRule[] {
  const armor = new ApolloArmor({
    maxDepth: { enabled: true, n: limits.maxDepth, exposeLimits: true, flattenFragments: true },
    maxAliases: { enabled: true, n: limits.maxAliases, exposeLimits: true },
    maxDirectives: { enabled: true, n: limits.maxDirectives, exposeLimits: true },
    // Suggestions are removed by the error formatter, the same for every transport (src/errors.ts).
    blockFieldSuggestion: { enabled: false },
    // graphql-js enforces tokens while parsing (parseOptions); cost is computed below, with list sizes.
    maxTokens: { enabled: false },
    costLimit: { enabled: false },
  }).protect();
  return [knownOperationTypes, ...(introspection ? [] : [noIntrospection]), ...armor.validationRules];
}

/** What the cost meter needs of one resolved operation. */
export interface CostedOperation {
  schema: GraphQLSchema;
  document: DocumentNode;
  /** The operation's own name, as resolved (the client's operationName may not name it). */
  operationName: string | undefined;
  variables: Record<string, unknown> | undefined;
  /** A stable key of the document (its hash), for the cache. */
  documentKey: string;
}

/**
 * GATEWAY_MAX_COST. A document's cost depends only on it, the operation and the variables: computed
 * once each (variables that make a long key are not cached). Variables were bounded in depth before
 * (./input), so serializing them for the key is safe.
 */
export class CostMeter {
  readonly #max: number;
  readonly #costs = new LRUCache<string, number>({ max: 2_000 });

  constructor(maxCost: number) {
    this.#max = maxCost;
  }

  /** The refusal of an operation that costs too much, or undefined. */
  check(operation: CostedOperation): GatewayError | undefined {
    const cost = this.costOf(operation);
    if (cost === undefined || cost <= this.#max) return undefined;
    return refusals.tooExpensive(cost, this.#max);
  }

  costOf({ schema, document, operationName, variables, documentKey }: CostedOperation): number | undefined {
    const serialized = JSON.stringify(variables ?? {});
    const key = serialized.length <= 2_048 ? `${documentKey} ${operationName ?? ''} ${serialized}` : undefined;
    const known = key === undefined ? undefined : this.#costs.get(key);
    if (known !== undefined) return known;
    try {
      const cost = getComplexity({
        schema,
        query: document,
        variables: variables ?? {},
        ...(operationName ? { operationName } : {}),
        estimators: [connectionCost, fieldCost],
      });
      if (key !== undefined) this.#costs.set(key, cost);
      return cost;
    } catch {
      // Variables that do not coerce: execution will refuse them with BAD_USER_INPUT, before any
      // resolver runs, so there is nothing to cost.
      return undefined;
    }
  }
}
