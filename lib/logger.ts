/**
 * @module lib/logger
 * Structured JSON logs (pino). Secrets are redacted by path so a payload or config dump never
 * prints them.
 */
import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger };

/** `destination` (default stdout) lets a test read exactly what would be logged. */
export function createLogger(level: string, name = 'quantrac', destination?: DestinationStream): Logger {
  const options = {
    name,
    level,
    redact: {
      paths: ['password', 'secret', 'token', '*.password', '*.secret', '*.token', 'adminPassword', 'config.adminPassword', 'req.headers.authorization'],
      censor: '[redacted]',
    },
  };
  return destination ? pino(options, destination) : pino(options);
}
