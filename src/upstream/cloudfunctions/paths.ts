/**
 * paths: how the gateway addresses Cloud Functions resources.
 *
 * Names are checked against the NCP name rule before any call (1 to 50 characters from
 * `[A-Za-z0-9_-]`, not starting with `-`), so a malformed name is a BAD_USER_INPUT without an
 * upstream round trip, and a name can never smuggle `/`, `?` or `..` into the path. Segments are
 * still percent-encoded, as defence in depth. The package `-` means "no package".
 */
import { badInput } from '../../errors';

export const NO_PACKAGE = '-';
const NAME_RULE = /^[A-Za-z0-9_][A-Za-z0-9_-]{0,49}$/;
const ACTIVATION_ID_RULE = /^[A-Za-z0-9_-]{1,128}$/;

export function isValidName(name: string): boolean {
  return NAME_RULE.test(name);
}

/** Validates a package, action or trigger name (one rule for the three) and returns it. */
export function checkName(kind: 'package' | 'action' | 'trigger', name: string): string {
  if (!isValidName(name)) {
    throw badInput(`Invalid ${kind} name: use 1 to 50 letters, digits, '_' or '-', not starting with '-'.`);
  }
  return name;
}

/** A package argument: absent, empty or `-` all mean "no package". */
export function checkPackage(name: string | null | undefined): string {
  if (name === undefined || name === null || name === '' || name === NO_PACKAGE) return NO_PACKAGE;
  return checkName('package', name);
}

export function checkActivationId(id: string): string {
  if (!ACTIVATION_ID_RULE.test(id)) throw badInput('Invalid activation id.');
  return id;
}
