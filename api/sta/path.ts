/**
 * @module api/sta/path
 * Parses a SensorThings resource path (OGC 18-088 §9.2): `Things`, `Things('AN-A')`,
 * `Things('AN-A')/Datastreams('AN-A:pm25')/Observations`, `Datastreams('x')/Thing/name`,
 * `Things('x')/properties/province`, `…/name/$value`, `…/$ref`. Ids are strings here and must be
 * quoted (`''` for a quote); an unquoted id is a 400. Which names exist is checked when the path
 * is resolved (./resource.ts).
 */
import { createError } from '../../lib/errors.js';

export interface Segment {
  name: string;
  /** the id in `Name('id')`, unquoted */
  id?: string;
}

export interface ResourcePath {
  segments: Segment[];
  /** the path ends with `/$value` (raw value of a property) */
  value: boolean;
  /** the path ends with `/$ref` (links only) */
  ref: boolean;
}

const SEGMENT = /^([A-Za-z@][\w@.]*)(?:\((.*)\))?$/s;

/** Splits on `/` outside quotes. */
function split(path: string): string[] {
  const parts: string[] = [];
  let quoted = false;
  let start = 0;
  for (let i = 0; i < path.length; i++) {
    if (path[i] === "'") quoted = !quoted;
    else if (path[i] === '/' && !quoted) {
      parts.push(path.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(path.slice(start));
  return parts;
}

export function parsePath(path: string): ResourcePath {
  const parts = split(path.replace(/\/$/, ''));
  let value = false;
  let ref = false;
  if (parts.at(-1) === '$value') {
    value = true;
    parts.pop();
  } else if (parts.at(-1) === '$ref') {
    ref = true;
    parts.pop();
  }
  const segments = parts.map((part): Segment => {
    const m = SEGMENT.exec(part);
    if (!m) throw createError('QT_ERR_NOT_FOUND', `No SensorThings resource ${path} (at "${part}")`);
    const raw = m[2];
    if (raw === undefined) return { name: m[1]! };
    const q = /^'((?:[^']|'')*)'$/.exec(raw.trim());
    if (!q) throw createError('QT_ERR_QUERY_INVALID', `${m[1]}(${raw}): ids are strings here; quote them: ${m[1]}('${raw.replaceAll("'", "''")}')`);
    return { name: m[1]!, id: q[1]!.replaceAll("''", "'") };
  });
  return { segments, value, ref };
}
