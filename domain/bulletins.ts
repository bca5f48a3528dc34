/**
 * @module domain/bulletins
 * A stored bulletin's description, as the store lists it and the bus announces it.
 */
export interface BulletinMeta {
  id: number;
  kind: 'daily' | 'monthly';
  /** local date (YYYY-MM-DD) the period starts on */
  periodStart: string;
  scope: string;
  generatedAt: Date;
  generatedBy: string;
  hasPdf: boolean;
  summary: unknown;
}
