/**
 * input: the nesting bound on what a client sends as data (variables, `extensions`, an action's
 * `params`). Deep values are cheap to send and expensive to handle: JSON serialization recurses and
 * overflows the stack a few thousand levels down, in the gateway (cost check, request body) and in
 * the upstream. So depth is measured first, without recursion, and anything deeper than
 * GATEWAY_MAX_INPUT_DEPTH is refused before any other work.
 */
import { refusals } from '../errors';

/**
 * Whether `value` nests objects and arrays deeper than `max` levels (`{}` and `[]` are one level,
 * `{ "a": [1] }` two). Iterative, and it stops at the first branch past the bound.
 */
export function exceedsDepth(value: unknown, max: number): boolean {
  if (value === null || typeof value !== 'object') return false;
  const values: unknown[] = [value];
  const depths: number[] = [1];
  while (values.length > 0) {
    const current = values.pop() as object;
    const depth = depths.pop()!;
    if (depth > max) return true;
    const children = Array.isArray(current) ? current : Object.values(current);
    for (const child of children) {
      if (child !== null && typeof child === 'object') {
        values.push(child);
        depths.push(depth + 1);
      }
    }
  }
  return false;
}

export const tooDeep = refusals.tooDeep;
