/**
 * @module simulators/station-commands
 * What a simulated station does with a downlink command (parsed by simulators/commands.ts):
 * `resend` republishes stored readings as one backlog, `calibrate` flags a metric for a while.
 * Invalid or inapplicable commands are counted and logged, never thrown.
 */
import { parseCommand, type StationCommand } from './commands.js';
import { toError } from './errors.js';
import { encodeReadings, type FaultEngine } from './faults.js';
import type { ReadingHistory } from './history.js';
import type { RouteError, SimulatorLogger } from './logger.js';
import type { Clock } from './time.js';

/** Command counters a handler updates (part of the station's StationStats). */
export interface CommandCounters {
  commandsReceived: number;
  commandsIgnored: number;
}

export interface CommandHandlerOptions {
  id: string;
  history: ReadingHistory;
  faults: FaultEngine;
  clock: Clock;
  logger: SimulatorLogger;
  routeError: RouteError;
  counters: CommandCounters;
  /** Publishes a payload on the readings topic; resolves on PUBACK. */
  publish(body: string, readingCount: number): Promise<void>;
}

/** Returns the handler of a raw message received on the station's commands topic. */
export function createCommandHandler(options: CommandHandlerOptions): (payload: Buffer) => void {
  const { history, faults, clock, logger, routeError, counters, publish } = options;
  const log = { stationId: options.id };

  function runCommand(command: StationCommand): void {
    switch (command.command) {
      case 'resend': {
        const stored = history.range(command.from, command.to);
        if (stored.length === 0) {
          logger.info({ ...log, from: command.from, to: command.to }, 'resend: no stored readings in range');
          return;
        }
        publish(encodeReadings(stored.map((r) => r.payload)), stored.length).catch((err: unknown) => routeError(err, 'resend not acknowledged'));
        return;
      }
      case 'calibrate':
        faults.inject({ kind: 'calibration', metrics: [command.metric], durationMs: command.durationSeconds * 1000 }, clock());
        logger.info({ ...log, metric: command.metric, durationSeconds: command.durationSeconds }, 'calibration started by command');
        return;
    }
  }

  return function onCommand(payload: Buffer): void {
    counters.commandsReceived++;
    const parsed = parseCommand(payload);
    if (!parsed.ok) {
      counters.commandsIgnored++;
      logger.warn({ ...log, command: parsed.name, reason: parsed.reason }, 'command ignored');
      return;
    }
    try {
      runCommand(parsed.value);
    } catch (err) {
      // e.g. calibrate for a metric the profile does not have
      counters.commandsIgnored++;
      logger.warn({ ...log, command: parsed.value.command, reason: toError(err).message }, 'command ignored');
    }
  };
}
