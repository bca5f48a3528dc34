/**
 * @module dashboard/web/views/station/data
 * Chart data: per metric, sorted x (epoch seconds, as uPlot wants) and y arrays, fetched for a
 * range at its resolution: raw readings (GET /api/v1/stations/{id}/readings with maxPoints: at
 * most CHART_POINTS per metric, chosen by LTTB on the server) or hourly/daily means from the
 * analyst API (bucket=1h|1d, agg=avg; empty buckets stay null so gaps show as gaps).
 */
import { api } from '../../api';
import { bucketOf, resolutionFor, type TimeRange } from './range';

export const CHART_POINTS = 1500;

export interface Points {
  xs: number[];
  ys: Array<number | null>;
}

/** Inserts (x, y) into sorted arrays; an existing x is replaced (a redelivered reading). */
export function insertSorted(xs: number[], ys: Array<number | null>, x: number, y: number | null): void {
  let i = xs.length;
  if (i === 0 || xs[i - 1]! < x) {
    xs.push(x);
    ys.push(y);
    return;
  }
  let lo = 0;
  let hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (xs[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  i = lo;
  if (xs[i] === x) ys[i] = y;
  else {
    xs.splice(i, 0, x);
    ys.splice(i, 0, y);
  }
}

/** Drops the points before `cutoff` (epoch s); returns how many went. */
export function dropBefore(p: Points, cutoff: number): number {
  let drop = 0;
  while (drop < p.xs.length && p.xs[drop]! < cutoff) drop++;
  if (drop > 0) {
    p.xs.splice(0, drop);
    p.ys.splice(0, drop);
  }
  return drop;
}

interface RawAnswer {
  data: Array<{ ts: string; metric: string; value: number | null; quality: string }>;
}
interface AggregateAnswer {
  series: Array<{ metric: string; data: Array<{ ts: string; values: { avg?: number | null } }> }>;
}

/**
 * Every metric's points of `stationId` over `range`, at the range's resolution, shifted by
 * `shiftMs` (a previous period drawn on the current axes).
 */
export async function fetchPoints(stationId: string, metrics: readonly string[], range: TimeRange, shiftMs = 0): Promise<Map<string, Points>> {
  const out = new Map<string, Points>(metrics.map((m) => [m, { xs: [], ys: [] }]));
  const path = `/api/v1/stations/${encodeURIComponent(stationId)}/readings`;
  const from = new Date(range.from).toISOString();
  const to = new Date(range.to).toISOString();
  const bucket = bucketOf(resolutionFor(range));
  if (bucket === undefined) {
    await Promise.all(
      metrics.map(async (m) => {
        const q = new URLSearchParams({ metric: m, from, to, limit: '100000', maxPoints: String(CHART_POINTS) });
        const res = await api<RawAnswer>('GET', `${path}?${q.toString()}`);
        const p = out.get(m)!;
        for (const r of res.data) insertSorted(p.xs, p.ys, (Date.parse(r.ts) + shiftMs) / 1000, r.value);
      }),
    );
    return out;
  }
  const q = new URLSearchParams({ bucket, agg: 'avg', from, to });
  const res = await api<AggregateAnswer>('GET', `${path}?${q.toString()}`);
  for (const s of res.series) {
    const p = out.get(s.metric);
    if (!p) continue;
    for (const b of s.data) {
      const t = Date.parse(b.ts);
      // the analyst API widens the range to whole buckets: keep the ones that start inside it
      if (t < range.from - 1 || t >= range.to) continue;
      insertSorted(p.xs, p.ys, (t + shiftMs) / 1000, b.values.avg ?? null);
    }
  }
  return out;
}

/** The newest reading of each metric in `points` (for the latest-values table after a fetch). */
export function newestOf(points: Points): { ts: number; value: number | null } | undefined {
  for (let i = points.xs.length - 1; i >= 0; i--) if (points.ys[i] !== null) return { ts: points.xs[i]! * 1000, value: points.ys[i]! };
  return undefined;
}
