/**
 * @module forward/status
 * The Circular 10 status code (00 measuring, 01 calibrating, 02 fault, 03 maintenance) a forwarded
 * reading carries, from the station's own flag and its validation (issue 18):
 * - a reading a reviewer invalidated: 01 for the reason `calibration`, 03 for `maintenance`
 *   (what the codec reads back as maintenance), 02 for every other reason;
 * - otherwise the station's own status as before (calibrating 01, fault 02, maintenance 03;
 *   out of range keeps 00: the station said it was measuring);
 * - a reading the station sent as measuring but an automatic check flagged (and no reviewer
 *   restored): 02, so the upstream does not take it as a valid measurement;
 * - a restored reading: the station's status (00).
 */
import type { Circular10Line } from '../formats/circular10/codec.js';
import { reasonOfReview, REVIEW } from '../domain/validation/codes.js';

type Status = Circular10Line['status'];

/** quality code (ingest/quality.ts) → Circular 10 status */
const STATUS_OF_QUALITY: Record<number, Status> = { 0: '00', 3: '00', 1: '01', 2: '02', 4: '03' };

export function forwardStatus(quality: number, qc: number, review: number): Status {
  const reason = reasonOfReview(review);
  if (reason !== null) return reason === 'calibration' ? '01' : reason === 'maintenance' ? '03' : '02';
  const station = STATUS_OF_QUALITY[quality] ?? '02';
  if (station !== '00' || quality !== 0) return station;
  return qc !== 0 && review !== REVIEW.restored ? '02' : '00';
}
