/**
 * The operations center's refresh of today's completeness cuts the fleet into groups by each
 * station's cost, what its last statement held the embedded database's one connection for
 * (api/realtime/completeness.ts costGroups), so an ingest commit never waits long behind one.
 */
import { describe, expect, it } from 'vitest';
import { GROUP_TARGET_MS, MAX_GROUP, REFRESH_GROUP, costGroups } from './completeness.js';

const fleet = (n: number, prefix = 'S') => Array.from({ length: n }, (_, i) => ({ id: `${prefix}-${i}` }));
const sizes = (groups: unknown[][]) => groups.map((g) => g.length);

describe('completeness refresh groups', () => {
  it('cuts stations of unknown cost into groups of REFRESH_GROUP, the last one the rest', () => {
    expect(sizes(costGroups(fleet(2 * REFRESH_GROUP + 7), new Map()))).toEqual([REFRESH_GROUP, REFRESH_GROUP, 7]);
  });
  it('gives costly stations small groups and cheap ones large groups, in order, none lost', () => {
    const cheap = fleet(300, 'D');
    const costly = fleet(40, 'IN');
    const cost = new Map<string, number>([...cheap.map((s) => [s.id, 0.1] as const), ...costly.map((s) => [s.id, GROUP_TARGET_MS / 10] as const)]);
    const groups = costGroups([...cheap, ...costly], cost);
    expect(sizes(groups)).toEqual([MAX_GROUP, MAX_GROUP, MAX_GROUP, 10, 10, 10, 10]);
    expect(groups.flat()).toEqual([...cheap, ...costly]);
  });
  it('puts a station costlier than the target alone', () => {
    const s = fleet(3);
    expect(sizes(costGroups(s, new Map([['S-1', 10 * GROUP_TARGET_MS]])))).toEqual([1, 1, 1]);
  });
});
