/**
 * @module simulators/errors
 * The simulators' error catalogue: one class, stable codes (the `IOT_ERR_*` idea, scoped `SIM_ERR_*`).
 */
import { createError } from '../lib/errors.js';

export type SimulatorErrorCode =
  | 'SIM_ERR_REPLAY_FILE_MISSING'
  | 'SIM_ERR_REPLAY_FILE_INVALID'
  | 'SIM_ERR_REPLAY_UNSUPPORTED'
  | 'SIM_ERR_OPTIONS_INVALID'
  | 'SIM_ERR_CONNECT'
  | 'SIM_ERR_NOT_STARTED'
  | 'SIM_ERR_CLOSED'
  | 'SIM_ERR_PUBLISH'
  | 'SIM_ERR_ACK_TIMEOUT'
  | 'SIM_ERR_COMMAND_INVALID'
  | 'SIM_ERR_FLEET_START'
  | 'SIM_ERR_CONFIG_INVALID';

export class SimulatorError extends Error {
  readonly code: SimulatorErrorCode;
  constructor(code: SimulatorErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SimulatorError';
    this.code = code;
  }
}

/** Normalises anything thrown into an Error (so loggers always get a stack). */
export function toError(value: unknown): Error {
  return value instanceof Error ? value : createError('QT_ERR_SIMULATOR', String(value), { cause: value });
}
