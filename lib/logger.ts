/**
 * @module lib/logger
 * Structured JSON logs (pino). Secrets are redacted by path so a payload or config dump never
 * prints them.
 */
import { pino, type Logger } from 'pino';

export type { Logger };

export function createLogger(level: string, name = 'quantrac'): Logger {
  return pino({
    name,
    level,
    redact: {
      paths: ['password', 'secret', 'token', '*.password', '*.secret', '*.token', 'adminPassword', 'config.adminPassword', 'req.headers.authorization'],
      censor: '[redacted]',
    },
  });
}
