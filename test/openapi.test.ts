/**
 * The OpenAPI document (issue 16, "Outside clients"): the one a running app serves at
 * /api/openapi.json must be accepted by the strict outside tools, inside `npm test`:
 *
 * - @apidevtools/swagger-parser validates it (OpenAPI 3.1 schema, references);
 * - `redocly lint` with ../redocly.yaml (the recommended rules) finds no error and no warning;
 * - openapi-typescript generates a TypeScript client description from it, which type-checks;
 * - every operation has a summary, a tag, an operationId, a 2xx answer and its documented 4xx
 *   (ErrorResponse), downloads declare their media types, and web pages are not operations.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import SwaggerParser from '@apidevtools/swagger-parser';
import openapiTS, { astToString } from 'openapi-typescript';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from './helpers/app.js';

type Operation = { summary?: string; tags?: string[]; operationId?: string; security?: unknown[]; responses: Record<string, { $ref?: string; content?: Record<string, unknown> }> };
type Doc = { openapi: string; paths: Record<string, Record<string, Operation>>; components: { responses: Record<string, unknown> } };

const METHODS = new Set(['get', 'put', 'post', 'delete', 'patch', 'head', 'options']);

let t: TestApp;
let doc: Doc;
let dir: string;

function operations(): Array<{ method: string; path: string; op: Operation }> {
  return Object.entries(doc.paths).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([m]) => METHODS.has(m))
      .map(([method, op]) => ({ method, path, op })),
  );
}

beforeAll(async () => {
  t = await startTestApp();
  const res = await t.inject<Doc>('GET', '/api/openapi.json', undefined, null);
  expect(res.status).toBe(200);
  doc = res.body;
  dir = mkdtempSync(join(tmpdir(), 'quantrac-openapi-'));
}, 120_000);

afterAll(async () => {
  await t?.close(true);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('the OpenAPI document', () => {
  it('validates with swagger-parser', async () => {
    expect(doc.openapi).toBe('3.1.0');
    await expect(SwaggerParser.validate(structuredClone(doc) as never)).resolves.toBeTruthy();
  });

  it('lints clean with redocly (recommended rules, redocly.yaml)', async () => {
    const file = join(dir, 'openapi.json');
    writeFileSync(file, JSON.stringify(doc));
    const bin = join(process.cwd(), 'node_modules', '.bin', 'redocly');
    // exit code 1 on problems: the JSON report says which
    const { stdout } = await promisify(execFile)(bin, ['lint', file, '--config', join(process.cwd(), 'redocly.yaml'), '--format', 'json'], { maxBuffer: 32 * 1024 * 1024 }).catch(
      (err: { stdout?: string }) => ({ stdout: err.stdout ?? '' }),
    );
    const report = JSON.parse(stdout) as { totals: { errors: number; warnings: number }; problems: Array<{ ruleId: string; message: string; location: unknown }> };
    expect(report.problems.map((p) => `${p.ruleId}: ${p.message} ${JSON.stringify(p.location)}`)).toEqual([]);
    expect(report.totals).toMatchObject({ errors: 0, warnings: 0 });
  }, 60_000);

  it('generates a TypeScript description with openapi-typescript that type-checks', async () => {
    const types = astToString(await openapiTS(structuredClone(doc) as never));
    writeFileSync(join(dir, 'quantrac-api.ts'), types);
    // a client would use it like this
    writeFileSync(
      join(dir, 'client.ts'),
      [
        "import type { paths, components } from './quantrac-api.js';",
        "type Stations = paths['/api/v1/stations']['get']['responses'][200]['content']['application/json'];",
        "type ErrorBody = components['schemas']['ErrorResponse'];",
        'export const first = (s: Stations): string | undefined => s.data[0]?.id;',
        'export const code = (e: ErrorBody): string => e.error.code;',
      ].join('\n'),
    );
    const program = ts.createProgram([join(dir, 'client.ts')], {
      strict: true,
      noEmit: true,
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      target: ts.ScriptTarget.ES2022,
      skipLibCheck: true,
      types: [],
    });
    const diagnostics = ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    expect(diagnostics).toEqual([]);
  }, 60_000);

  it('gives every operation a summary, a tag, an operationId, a 2xx answer and ErrorResponse 4xx answers', () => {
    const problems: string[] = [];
    for (const { method, path, op } of operations()) {
      const key = `${method.toUpperCase()} ${path}`;
      if (!op.summary) problems.push(`${key}: no summary`);
      else if (op.summary === `${method.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`) problems.push(`${key}: generated summary`);
      if (!op.tags?.length) problems.push(`${key}: no tag`);
      if (!op.operationId) problems.push(`${key}: no operationId`);
      if (!Array.isArray(op.security)) problems.push(`${key}: no security (anonymous routes declare [])`);
      const codes = Object.keys(op.responses);
      if (!codes.some((c) => c.startsWith('2'))) problems.push(`${key}: no 2xx answer`);
      for (const c of codes.filter((c) => /^[45]/.test(c)))
        if (op.responses[c]!.$ref !== `#/components/responses/Error${c}`) problems.push(`${key}: ${c} is not the shared ErrorResponse`);
      if (op.security?.length && !codes.includes('401')) problems.push(`${key}: authenticated but 401 undocumented`);
      if (path.includes('{') && !codes.includes('404')) problems.push(`${key}: path parameter but no 404`);
    }
    expect(problems).toEqual([]);
  });

  it('declares downloads with their media types, and hides web pages and wildcard routes', () => {
    const media = (path: string, method = 'get') => Object.keys(doc.paths[path]?.[method]?.responses['200']?.content ?? {}).sort();
    expect(media('/api/v1/export')).toEqual(['application/x-ndjson', 'text/csv']);
    expect(media('/api/v1/completeness')).toEqual(['application/json', 'text/csv']);
    expect(media('/open/v1/stations/{id}/months/{file}')).toEqual(['text/csv']);
    expect(media('/metrics')).toEqual(['text/plain']);
    expect(media('/api/v1/bulletins/{file}')).toEqual(['application/json', 'application/pdf', 'text/csv', 'text/html']);
    const paths = Object.keys(doc.paths);
    expect(paths.filter((p) => p.includes('*'))).toEqual([]);
    for (const page of ['/', '/alerts', '/bulletins', '/open-data', '/stations/{id}', '/public', '/public/', '/ack/{token}', '/api/docs', '/api/openapi.json'])
      expect(paths).not.toContain(page);
    expect(doc.paths['/open/v1/stations']?.['get']?.security).toEqual([]);
    expect(doc.paths['/api/v1/stations']?.['get']?.security).toEqual([{ bearer: [] }, { cookie: [] }]);
  });
});
