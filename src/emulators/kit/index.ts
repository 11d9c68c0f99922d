// The small HTTP kit both emulators (cloudfunctions/ and compute/) are built on, so that each piece of
// plumbing exists once: body reading, latency, listen and close, the logger that cannot throw, answers to
// requests Node's parser refuses, and the CLI start-up. Like the emulators themselves it shares no code with
// the gateway (see docs/upstream/emulators.md): it imports Node and nothing else, so a bug in the gateway's
// HTTP code cannot hide behind the same bug in the servers it is tested against.
export { consoleLogger, listenAddressFromEnv, runCli } from './cli';
export {
  answerClientError,
  delay,
  exchange,
  guardedListener,
  readBody,
  requestTarget,
  send,
  serve,
  Traffic,
  type ClientErrorAnswer,
  type ClientErrorStatus,
  type Exchange,
  type RequestTarget,
  type Served,
  type ServeOptions,
} from './http';
export { describeError, safeLogger, type Logger } from './log';
