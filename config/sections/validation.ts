/**
 * @module config/sections/validation
 * Settings of data validation (issue 18): whether ingest runs the automatic checks on every reading,
 * and how often the scheduled checks run. The checks' own parameters (thresholds, radius, pairs…)
 * are data, per profile and station (domain/validation/config.ts, `PUT /api/v1/validation/config`).
 */
import { Type } from 'typebox';
import { section } from '../section.js';

export const validation = section('Data validation: the automatic checks at ingest and on a schedule ( their parameters are data, /api/v1/validation/config).', {
  ingestChecks: Type.Boolean({
    default: true,
    env: 'QC_INGEST_CHECKS',
    description: 'Run the ingest-time checks (spike, flat line, rate of change, windows, cross-parameter) on every reading and store their flags with it',
  }),
  scheduleSeconds: Type.Integer({
    minimum: 0,
    maximum: 86_400,
    default: 300,
    env: 'QC_SCHEDULE_SECONDS',
    unit: 's',
    description:
      'How often the scheduled check (spatial consistency against the neighbours) runs over the completed hours, and over the 3 hours before them that received late readings (0 = never)',
  }),
});
