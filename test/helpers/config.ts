/**
 * config: what the configuration says about an environment, for the config unit tests. The
 * problems of a refused environment, all at once, as `loadConfig` reports them.
 */
import { ConfigError, loadConfig } from '../../src/config';

/** The problems `loadConfig` reports for `env`; [] when it loads. */
export function configProblems(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

/** The problems of an environment that must be refused: throws when `loadConfig` accepts it. */
export function refusals(env: Record<string, string>): string[] {
  const problems = configProblems(env);
  if (problems.length === 0) throw new Error('expected a ConfigError');
  return problems;
}
