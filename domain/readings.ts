/**
 * @module domain/readings
 * A reading as ingest parses it and as the bus announces it once committed.
 */
import type { QualityCode, QualityName } from './quality.js';
import type { Refusal } from './reasons.js';

export interface ParsedRow {
  metric: string;
  /** epoch ms, UTC */
  ts: number;
  value: number | null;
  quality: QualityCode;
}

export interface ParseOutcome {
  rows: ParsedRow[];
  refused: Refusal[];
  /** Number of reading objects in the payload (1 for a single reading). */
  readingCount: number;
}

export interface AcceptedReading {
  stationId: string;
  metric: string;
  /** epoch milliseconds (UTC) */
  ts: number;
  value: number | null;
  quality: QualityName;
  /** bitmask of the ingest-time checks that flagged it (domain/validation/codes.ts CHECK_BITS); absent = none */
  qc?: number;
}
