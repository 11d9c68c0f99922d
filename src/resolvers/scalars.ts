/**
 * scalars: `DateTime` and `JSON` as graphql-scalars implements them, with the descriptions of our
 * own SDL (schema/common.graphql): given as their functions only, since graphql-tools would copy a
 * whole scalar type's description over ours.
 */
import type { GraphQLScalarType } from 'graphql';
import { DateTimeResolver, JSONResolver } from 'graphql-scalars';

/**
 * The scalar's functions only. graphql-tools takes such an object for a scalar (and keeps the SDL's
 * description); the generated resolver types only know GraphQLScalarType, hence the cast.
 */
function behaviourOf(scalar: GraphQLScalarType): GraphQLScalarType {
  const { serialize, parseValue, parseLiteral } = scalar.toConfig();
  return { serialize, parseValue, parseLiteral } as unknown as GraphQLScalarType;
}

export const scalars = { DateTime: behaviourOf(DateTimeResolver), JSON: behaviourOf(JSONResolver) };
