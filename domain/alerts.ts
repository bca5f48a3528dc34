/**
 * @module domain/alerts
 * The alert and its history as every layer sees them (the store writes them, the engine changes
 * them, the bus carries them, the API and notifications show them).
 */
export type AlertState = 'pending' | 'firing' | 'acknowledged' | 'resolved';
export type AlertSeverity = 'info' | 'warning' | 'critical';

export interface AlertRecord {
  id: number;
  stationId: string;
  ruleId: string;
  state: AlertState;
  severity: AlertSeverity;
  level: number | null;
  openedAt: Date;
  firingAt: Date | null;
  clearSince: Date | null;
  ackedAt: Date | null;
  ackedBy: string | null;
  ackComment: string | null;
  resolvedAt: Date | null;
  resolvedBy: string | null;
  resolvedReason: string | null;
  value: number | null;
  message: { en: string; vi: string };
  projectedAt: Date | null;
  silenced: boolean;
  lastReminderAt: Date | null;
  updatedAt: Date;
}

export type AlertEventType = 'pending' | 'firing' | 'acknowledged' | 'resolved' | 'escalated' | 'deescalated' | 'reminder' | 'cancelled';

export interface AlertEvent {
  id?: number;
  alertId?: number;
  at: Date;
  type: AlertEventType;
  fromState: AlertState | null;
  toState: AlertState;
  severity: AlertSeverity;
  actor: string | null;
  comment: string | null;
  value: number | null;
  evidence: unknown;
}

/**
 * The verification tags the rule packs put in their sources for maintainers (`[V]` verified,
 * `[C]` / `[C = corroborated]`, `[M]`, `[U]`: alerts/packs/*.json), which never reach an operator.
 */
const VERIFICATION_MARKER = /\s*\[[VCMU](?:\s*=\s*[^\]]*)?\]/g;

/** `text` without the packs' verification tags. @example stripVerificationMarkers('QCVN 05:2023 [V]') // 'QCVN 05:2023' */
export function stripVerificationMarkers(text: string): string {
  return text.replace(VERIFICATION_MARKER, '').trim();
}

/** An alert message as operators and notifications see it: both languages without verification tags. */
export function operatorMessage(message: { en: string; vi: string }): { en: string; vi: string } {
  return { en: stripVerificationMarkers(message.en), vi: stripVerificationMarkers(message.vi) };
}
