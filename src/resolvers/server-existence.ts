/**
 * Which page of actions `Query.server` reads to learn whether a server exists: the one its own
 * selection's `instanceActions` field will read (so the check costs no call of its own), or the
 * default first page when the selection has no such field, has several with different arguments,
 * or has arguments that are invalid (the field itself reports those).
 */
import {
  getArgumentValues,
  isObjectType,
  type FragmentDefinitionNode,
  type GraphQLResolveInfo,
  type SelectionSetNode,
  type FieldNode,
} from 'graphql';
import type { InstanceActionQuery } from '../upstream/compute/types';
import { DEFAULT_ACTIONS_QUERY, instanceActionQuery, type InstanceActionArgs } from './Server';

export function existenceQuery(info: GraphQLResolveInfo, microversion: string): InstanceActionQuery {
  const serverType = info.schema.getType('Server');
  const fieldDef = isObjectType(serverType) ? serverType.getFields().instanceActions : undefined;
  if (!fieldDef) return DEFAULT_ACTIONS_QUERY;
  const fields: FieldNode[] = [];
  for (const node of info.fieldNodes) {
    if (node.selectionSet) collect(node.selectionSet, info.fragments, fields, new Set());
  }
  const keys = new Set<string>();
  let query: InstanceActionQuery = DEFAULT_ACTIONS_QUERY;
  try {
    for (const field of fields) {
      query = instanceActionQuery(
        getArgumentValues(fieldDef, field, info.variableValues) as InstanceActionArgs,
        microversion,
      );
      keys.add(JSON.stringify(query));
    }
  } catch {
    return DEFAULT_ACTIONS_QUERY;
  }
  return keys.size === 1 ? query : DEFAULT_ACTIONS_QUERY;
}

function collect(
  set: SelectionSetNode,
  fragments: Record<string, FragmentDefinitionNode>,
  out: FieldNode[],
  seen: Set<string>,
): void {
  for (const selection of set.selections) {
    if (selection.kind === 'Field') {
      if (selection.name.value === 'instanceActions') out.push(selection);
    } else if (selection.kind === 'InlineFragment') {
      collect(selection.selectionSet, fragments, out, seen);
    } else {
      const name = selection.name.value;
      const fragment = fragments[name];
      if (fragment && !seen.has(name)) {
        seen.add(name);
        collect(fragment.selectionSet, fragments, out, seen);
      }
    }
  }
}
