/**
 * @module simulators/commands
 * Downlink commands a station accepts on `stations/{id}/commands` (JSON, QoS 1):
 *
 *   {"command":"resend","from":"<ISO 8601>","to":"<ISO 8601>"}
 *       republish the stored readings with from ≤ ts ≤ to as one backlog array
 *   {"command":"calibrate","metric":"pm25","durationSeconds":600}
 *       report status 01 for that metric for that long
 *
 * Anything else is returned as `{ ok: false }` with the reason; the station counts and logs it.
 */

export type StationCommand = { command: 'resend'; from: number; to: number } | { command: 'calibrate'; metric: string; durationSeconds: number };

export type ParsedCommand = { ok: true; value: StationCommand } | { ok: false; reason: string; /** the `command` field, when there was one */ name?: string };

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Strict ISO 8601 date-time with an offset or Z (a bare local time is ambiguous on the wire). */
const ISO_WITH_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

function instant(v: unknown): number | undefined {
  if (typeof v !== 'string' || !ISO_WITH_OFFSET.test(v)) return undefined;
  const t = Date.parse(v);
  return Number.isNaN(t) ? undefined : t;
}

/** Parses and validates one command payload. */
export function parseCommand(payload: Buffer | string): ParsedCommand {
  let data: unknown;
  try {
    data = JSON.parse(payload.toString());
  } catch {
    return { ok: false, reason: 'payload is not JSON' };
  }
  if (!isRecord(data) || typeof data.command !== 'string') return { ok: false, reason: 'missing "command" string' };
  const name = data.command;
  switch (name) {
    case 'resend': {
      const from = instant(data.from);
      const to = instant(data.to);
      if (from === undefined || to === undefined) return { ok: false, name, reason: '"from" and "to" must be ISO 8601 with an offset' };
      if (from > to) return { ok: false, name, reason: '"from" is after "to"' };
      return { ok: true, value: { command: 'resend', from, to } };
    }
    case 'calibrate': {
      const { metric, durationSeconds } = data;
      if (typeof metric !== 'string') return { ok: false, name, reason: '"metric" must be a string' };
      if (typeof durationSeconds !== 'number' || !(durationSeconds > 0) || !Number.isFinite(durationSeconds)) {
        return { ok: false, name, reason: '"durationSeconds" must be a positive number' };
      }
      return { ok: true, value: { command: 'calibrate', metric, durationSeconds } };
    }
    default:
      return { ok: false, name, reason: `unknown command "${name}"` };
  }
}
