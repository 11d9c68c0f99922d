/**
 * admission: what an operation costs against its client's rate limits (src/fleet/rate-limits): one
 * operation, plus one invoke for each invokeAction field it runs. Counted by the pipeline's stage 3c
 * from the document alone, before anything runs, the same for every transport.
 *
 * Fields are counted as graphql-js executes them: root fields collected through fragments and
 * inline fragments (each fragment once), `@skip` and `@include` applied with the request's
 * variables, fields with the same response name merged. So `a: invokeAction(…) b: invokeAction(…)`
 * counts two, and the same field written twice under one name counts one.
 */
import {
  getDirectiveValues,
  GraphQLIncludeDirective,
  GraphQLSkipDirective,
  Kind,
  type DocumentNode,
  type FragmentDefinitionNode,
  type OperationDefinitionNode,
  type SelectionNode,
  type SelectionSetNode,
} from 'graphql';

/** The field that starts a run. */
export const INVOKE_FIELD = 'invokeAction';

/** Whether `@skip` / `@include` leave the selection in (a directive that cannot be read: counted in). */
function included(node: SelectionNode, variables: Record<string, unknown> | undefined): boolean {
  if (!node.directives || node.directives.length === 0) return true;
  try {
    if (getDirectiveValues(GraphQLSkipDirective, node, variables)?.if === true) return false;
    if (getDirectiveValues(GraphQLIncludeDirective, node, variables)?.if === false) return false;
  } catch {
    // Execution refuses such a value before any resolver runs; counting it costs the client one.
  }
  return true;
}

/** invokeAction fields the operation runs (0 unless it is a mutation). */
export function invokeFields(
  document: DocumentNode,
  operation: OperationDefinitionNode | undefined,
  variables: Record<string, unknown> | undefined,
): number {
  if (operation?.operation !== 'mutation') return 0;
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  const responseNames = new Set<string>();
  const visited = new Set<string>();
  const collect = (selectionSet: SelectionSetNode) => {
    for (const selection of selectionSet.selections) {
      if (!included(selection, variables)) continue;
      if (selection.kind === Kind.FIELD) {
        if (selection.name.value === INVOKE_FIELD) responseNames.add(selection.alias?.value ?? INVOKE_FIELD);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        collect(selection.selectionSet);
      } else if (!visited.has(selection.name.value)) {
        visited.add(selection.name.value);
        const fragment = fragments.get(selection.name.value);
        if (fragment) collect(fragment.selectionSet);
      }
    }
  };
  collect(operation.selectionSet);
  return responseNames.size;
}
