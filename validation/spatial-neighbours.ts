/**
 * @module validation/spatial-neighbours
 * Nearest neighbours within a radius, for the spatial consistency check
 * (validation/scheduled-spatial.ts): points sorted by latitude once, then for each point only the
 * latitude band of its radius is measured (haversine), and at most `limit` of the nearest are kept
 * with a bounded heap. Ties in distance go to the lower index, so the answer does not depend on
 * the order of the band.
 *
 * @example
 * const index = latitudeIndex([{ lat: 21.0, lon: 105.8 }, { lat: 21.01, lon: 105.8 }, { lat: 22, lon: 105.8 }]);
 * nearestWithin(index, 0, 10, 30); // → Int32Array [1]  (the third is 111 km away)
 */

const EARTH_RADIUS_KM = 6371.0088;
/** Km per degree of latitude, a little under the true 111.195, so the band is a superset. */
const KM_PER_DEGREE_LAT = 111;

/** Great-circle distance between two points (haversine), km. */
export function haversineKm(lat1: number, lon1: number, lat2: number, lon2: number): number {
  const rad = Math.PI / 180;
  const dLat = (lat2 - lat1) * rad;
  const dLon = (lon2 - lon1) * rad;
  const a = Math.sin(dLat / 2) ** 2 + Math.cos(lat1 * rad) * Math.cos(lat2 * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_KM * Math.asin(Math.min(1, Math.sqrt(a)));
}

/** Points sorted by latitude, for nearestWithin. */
export interface LatitudeIndex {
  lats: Float64Array;
  lons: Float64Array;
  /** point indices by latitude, then index */
  byLat: Int32Array;
}

export function latitudeIndex(points: ReadonlyArray<{ lat: number; lon: number }>): LatitudeIndex {
  const lats = Float64Array.from(points, (p) => p.lat);
  const lons = Float64Array.from(points, (p) => p.lon);
  const byLat = Int32Array.from(points.keys()).sort((a, b) => lats[a]! - lats[b]! || a - b);
  return { lats, lons, byLat };
}

/** The indices of at most `limit` points nearest to point `self` within `radiusKm` (not itself), nearest first. */
export function nearestWithin(index: LatitudeIndex, self: number, radiusKm: number, limit: number): Int32Array {
  const { lats, lons, byLat } = index;
  const lat = lats[self]!;
  const lon = lons[self]!;
  const band = radiusKm / KM_PER_DEGREE_LAT;
  // the first position in byLat at or above lat − band
  let lo = 0;
  let hi = byLat.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (lats[byLat[mid]!]! < lat - band) lo = mid + 1;
    else hi = mid;
  }
  // a bounded max-heap of (km, index): its root is the farthest kept
  const heapKm = new Float64Array(limit);
  const heapIdx = new Int32Array(limit);
  let size = 0;
  const farther = (ka: number, ia: number, kb: number, ib: number) => ka > kb || (ka === kb && ia > ib);
  for (let p = lo; p < byLat.length; p++) {
    const o = byLat[p]!;
    if (lats[o]! > lat + band) break;
    if (o === self) continue;
    const km = haversineKm(lat, lon, lats[o]!, lons[o]!);
    if (km > radiusKm) continue;
    let i: number;
    if (size < limit) {
      // sift up from the new leaf
      i = size++;
      while (i > 0) {
        const parent = (i - 1) >> 1;
        if (!farther(km, o, heapKm[parent]!, heapIdx[parent]!)) break;
        heapKm[i] = heapKm[parent]!;
        heapIdx[i] = heapIdx[parent]!;
        i = parent;
      }
    } else if (farther(heapKm[0]!, heapIdx[0]!, km, o)) {
      // replace the farthest, sift down from the root
      i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= size) break;
        const r = l + 1;
        const c = r < size && farther(heapKm[r]!, heapIdx[r]!, heapKm[l]!, heapIdx[l]!) ? r : l;
        if (!farther(heapKm[c]!, heapIdx[c]!, km, o)) break;
        heapKm[i] = heapKm[c]!;
        heapIdx[i] = heapIdx[c]!;
        i = c;
      }
    } else continue;
    heapKm[i] = km;
    heapIdx[i] = o;
  }
  const order = Array.from({ length: size }, (_, i) => i).sort((a, b) => heapKm[a]! - heapKm[b]! || heapIdx[a]! - heapIdx[b]!);
  return Int32Array.from(order, (i) => heapIdx[i]!);
}
