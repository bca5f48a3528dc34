/**
 * @module simulators/logger
 * The logging seam of the simulators. Its shape is the `(obj, msg)` call of pino, so a pino logger
 * (or a child of the platform logger) can be passed as is.
 */

export interface SimulatorLogger {
  info(obj: Record<string, unknown>, msg: string): void;
  warn(obj: Record<string, unknown>, msg: string): void;
  error(obj: Record<string, unknown>, msg: string): void;
}

/** Default: warnings and errors to stderr, info dropped (the fleet CLI prints its own stats). */
export const consoleLogger: SimulatorLogger = {
  info() {},
  warn(obj, msg) {
    console.warn(`[simulators] ${msg}`, obj);
  },
  error(obj, msg) {
    console.error(`[simulators] ${msg}`, obj);
  },
};

/** Routes a failure of a station's background work to its logger (never dropped), with context. */
export type RouteError = (err: unknown, msg: string, extra?: Record<string, unknown>) => void;
