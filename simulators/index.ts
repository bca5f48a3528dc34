/**
 * @module simulators
 * Station simulators: value models per device profile, the Hanoi PM2.5 replay, injectable faults,
 * one MQTT station, a fleet, and the fleet embedded in the platform (`startSimulation`).
 */
export { createSimulatedStation } from './station.js';
export type { SimulatedStation, SimulatedStationOptions, StationConfig, StationReplayOptions, StationStats } from './station.js';
export { createFleet } from './fleet.js';
export type { Fleet, FleetOptions, FleetStationConfig, FleetStationDefaults, FleetStats } from './fleet.js';
export { createValueModel, shapeValue, tideHeight, MODEL_IDS, isModelId } from './models.js';
export type { ValueModel, ValueModelOptions, ModelId, MetricValues, ModelOverrides } from './models.js';
export { loadHanoiReplay, parseHanoiCsv, DEFAULT_HANOI_CSV } from './hanoi-replay.js';
export type { HanoiReplay, HanoiReplayOptions, ReplaySample, ReplayGapReason } from './hanoi-replay.js';
export { createFaultEngine, encodeMalformed, encodeReadings, episodeEnvelope, MALFORMED_MODES, UNKNOWN_METRIC_KEY, DEFAULT_OVERSIZED_BYTES } from './faults.js';
export type { Fault, FaultKind, MalformedMode, MalformedFault, FaultEngine, SimReading, WireReading } from './faults.js';
export { parseCommand } from './commands.js';
export type { StationCommand, ParsedCommand } from './commands.js';
export { parseStationsFile } from './stations-file.js';
export { startSimulation, prepareSimulation, simulatedSite, SIMULATED_SITES } from './embedded.js';
export type { Simulation, SimulationDeps, PreparedSimulation } from './embedded.js';
export { backfillHistory } from './backfill.js';
export type { BackfillResult, BackfillSink, BackfillStation } from './backfill.js';
export { SimulatorError } from './errors.js';
export type { SimulatorErrorCode } from './errors.js';
export type { SimulatorLogger } from './logger.js';
export { mulberry32, deriveSeed, createAr1 } from './prng.js';
export type { Prng, Ar1 } from './prng.js';
export { formatLocalIso, intervalBoundary, localParts } from './time.js';
export type { Clock } from './time.js';
