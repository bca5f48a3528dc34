/**
 * When `npm start` starts itself again with glibc's arenas capped (lib/malloc-arenas.ts): on
 * Linux, when the operator left MALLOC_ARENA_MAX unset and Node can execve; never otherwise.
 * (test/main.test.ts runs the compiled app and reads the environment it runs with.)
 */
import { describe, expect, it } from 'vitest';
import { needsArenaCap } from './malloc-arenas.js';

const execve = (() => {
  throw new Error('not called here');
}) as (file: string) => never;

describe('capping the malloc arenas', () => {
  it('starts again on Linux when MALLOC_ARENA_MAX is unset and execve exists', () => {
    expect(needsArenaCap('linux', {}, execve)).toBe(true);
  });
  it("keeps any value the operator set, an empty one and glibc's default included", () => {
    for (const v of ['2', '16', '']) expect(needsArenaCap('linux', { MALLOC_ARENA_MAX: v }, execve)).toBe(false);
  });
  it('leaves other systems and a Node without execve alone', () => {
    expect(needsArenaCap('darwin', {}, execve)).toBe(false);
    expect(needsArenaCap('win32', {}, execve)).toBe(false);
    expect(needsArenaCap('linux', {}, undefined)).toBe(false);
  });
});
