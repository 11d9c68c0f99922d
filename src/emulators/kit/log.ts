// Logging that cannot fail. Both emulators may run inside another process (the gateway embeds them under
// `npm start`) and log through a logger that process supplies, so neither a log call nor the text of an
// error may throw out of an emulator, and through it into the host.

export type Logger = (line: string) => void;

/** Text for a log line, whatever was thrown (String() itself throws for some values). */
export function describeError(err: unknown): string {
  try {
    return String((err as Error)?.stack ?? err);
  } catch {
    return Object.prototype.toString.call(err);
  }
}

/** The host's logger, made unable to throw into the emulator (or, through it, into the host). */
export function safeLogger(logger: Logger | undefined): Logger {
  return (line) => {
    try {
      logger?.(line);
    } catch {
      // A log line is not worth a failed request.
    }
  };
}
