/**
 * tools/build-outputs.mjs against a real incremental tsc build: a compiled file deleted by hand is
 * not written again by tsc (the premise), is named, and a build without the record writes it.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { missingOutputs } from '../tools/build-outputs.mjs';
import { tempDataDir } from './helpers/app.js';

const TSC = join(process.cwd(), 'node_modules', '.bin', 'tsc');

describe('the build notices a compiled file deleted by hand', () => {
  const dir = tempDataDir();
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const dist = join(dir, 'dist');
  const buildInfo = join(dist, '.tsbuildinfo');
  const compile = () => {
    const r = spawnSync(TSC, ['-p', dir], { encoding: 'utf8' });
    expect(r.status, r.stdout + r.stderr).toBe(0);
  };
  const missing = () => missingOutputs(buildInfo, dir, dist);

  it('names it, and a compile without the record writes it again', () => {
    mkdirSync(join(dir, 'sub'), { recursive: true });
    writeFileSync(
      join(dir, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: { outDir: 'dist', rootDir: '.', incremental: true, tsBuildInfoFile: 'dist/.tsbuildinfo', module: 'nodenext', types: [] },
        include: ['**/*.ts'],
        exclude: ['dist'],
      }),
    );
    writeFileSync(join(dir, 'a.ts'), "import { b } from './sub/b.js';\nexport const a = b + 1;\n");
    writeFileSync(join(dir, 'sub', 'b.ts'), 'export const b = 1;\n');
    writeFileSync(join(dir, 'types.d.ts'), 'declare const x: number;\n');
    compile();
    expect(missing()).toEqual([]);

    rmSync(join(dist, 'sub', 'b.js'));
    compile();
    expect(existsSync(join(dist, 'sub', 'b.js'))).toBe(false); // tsc trusts its record
    expect(missing()).toEqual([join('sub', 'b.js')]);

    rmSync(buildInfo);
    compile();
    expect(existsSync(join(dist, 'sub', 'b.js'))).toBe(true);
    expect(missing()).toEqual([]);
  });

  it('a record it cannot read names nothing', () => {
    writeFileSync(buildInfo, '{ not json');
    expect(missing()).toEqual([]);
    writeFileSync(buildInfo, JSON.stringify({ version: '9.9' }));
    expect(missing()).toEqual([]);
  });
});
