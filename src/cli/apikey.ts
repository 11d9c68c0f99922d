/**
 * npm run apikey -- <create|list|revoke|help> [options]   (npm run apikey:create -- … is `create`)
 *
 * The process around src/cli/apikey-command.ts: this process's arguments, streams and environment
 * in, its exit code out (set, not forced, so that what was written is flushed first).
 */
import { runApiKeyCommand } from './apikey-command';

process.exitCode = runApiKeyCommand(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
});
