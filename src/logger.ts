/**
 * logger: structured JSON logs (pino), with every place a credential could appear redacted.
 * Paths are exact (no user input) and case-sensitive; header names are lower case in Node.
 *
 * While the gateway traces (src/telemetry), a line written during an operation carries the
 * active span's `trace_id` and `span_id`, so logs and traces join; otherwise lines are unchanged.
 */
import pino, { type DestinationStream, type Logger } from 'pino';
import { mergeTraceFields, traceLogFields } from './telemetry/context';

export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'headers.authorization',
  'headers["x-api-key"]',
  'headers["x-auth-token"]',
  'headers["x-subject-token"]',
  'headers["x-ncp-apigw-signature-v2"]',
  'headers["x-ncp-iam-access-key"]',
  '*.secretKey',
  '*.password',
  '*.token',
];

export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      formatters: { level: (label) => ({ level: label }) },
      mixin: traceLogFields,
      mixinMergeStrategy: mergeTraceFields,
    },
    destination,
  );
}
