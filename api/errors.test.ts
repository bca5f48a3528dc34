/**
 * Every error a caller can see carries a code of the catalogue (lib/errors.ts) with its status,
 * and none repeats the URL: fastify's own refusals (body too large, unsupported media type, a
 * path parameter over maxParamLength, an undecodable URL), the rate limiter's 429, and the 404
 * of an unknown route. On the real app (embedded TimescaleDB), in-process with `inject()`.
 */
import { fastify } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_CATALOGUE } from '../lib/errors.js';
import { startTestApp, type TestApp } from '../test/helpers/app.js';
import { errorHandler, frameworkErrors, notFoundHandler, type ErrorBody } from './plugins/errors.js';

let t: TestApp;

beforeAll(async () => {
  t = await startTestApp({ analytics: { rateLimitPerMinute: 3 } });
}, 120_000);
afterAll(async () => {
  await t?.close(true);
});

/** The answer is `{ error: { code, message } }` with the catalogue's status for the code, and says nothing of `secret`. */
function expectCatalogued(res: { status: number; body: unknown }, code: keyof typeof ERROR_CATALOGUE, secret?: string): void {
  expect(res.body).toMatchObject({ error: { code, message: expect.any(String) } });
  expect(res.status).toBe(ERROR_CATALOGUE[code].status);
  if (secret) expect(JSON.stringify(res.body)).not.toContain(secret);
}

describe('fastify refusals, in the catalogue', () => {
  it('413 QT_ERR_PAYLOAD_TOO_LARGE for a body above the limit', async () => {
    const big = { username: 'big-body', password: 'x'.repeat(t.app.config.ingest.maxPayloadBytes + 1), role: 'viewer' };
    expectCatalogued(await t.inject('POST', '/api/v1/users', big), 'QT_ERR_PAYLOAD_TOO_LARGE');
  });

  it('415 QT_ERR_UNSUPPORTED_MEDIA_TYPE for a content type no parser takes', async () => {
    const res = await t.inject('POST', '/api/v1/users', '<user/>', undefined, { 'content-type': 'application/xml' });
    expectCatalogued(res, 'QT_ERR_UNSUPPORTED_MEDIA_TYPE');
  });

  it('400 QT_ERR_BAD_REQUEST for a body that is not the JSON it claims to be', async () => {
    expectCatalogued(await t.inject('POST', '/api/v1/users', '{"username": ', undefined, { 'content-type': 'application/json' }), 'QT_ERR_BAD_REQUEST');
  });

  it('414 QT_ERR_URI_TOO_LONG for a very long URL, which the answer does not repeat', async () => {
    const marker = 'LONGID'.repeat(2000);
    const res = await t.inject('GET', `/api/v1/stations/${marker}`);
    expectCatalogued(res, 'QT_ERR_URI_TOO_LONG', 'LONGIDLONGID');
    expect(res.headers['content-type']).toMatch(/^application\/json/);
  });

  it('400 QT_ERR_BAD_REQUEST for a URL that does not decode, without repeating it', async () => {
    expectCatalogued(await t.inject('GET', '/api/v1/stations/%E0%A4%A-BADURL'), 'QT_ERR_BAD_REQUEST', 'BADURL');
  });

  it('404 QT_ERR_NOT_FOUND for an unknown route, naming neither its path nor its query', async () => {
    const res = await t.inject<ErrorBody>('GET', '/api/v1/no-such-route/%3Cscript%3E?q=SECRETQ', undefined, null);
    expectCatalogued(res, 'QT_ERR_NOT_FOUND', 'no-such-route');
    expect(JSON.stringify(res.body)).not.toMatch(/script|SECRETQ/);
    expect(res.body.error.message).toBe('No such route for GET');
  });

  it('429 QT_ERR_RATE_LIMITED with Retry-After once a token has used up its requests per minute', async () => {
    const token = await t.userToken('limited', 'viewer');
    const statuses: number[] = [];
    let last: Awaited<ReturnType<TestApp['inject']>> | undefined;
    for (let i = 0; i < 4; i++) {
      last = await t.inject('GET', '/api/v1/stations', undefined, token);
      statuses.push(last.status);
    }
    expect(statuses).toEqual([200, 200, 200, 429]);
    expectCatalogued(last!, 'QT_ERR_RATE_LIMITED');
    expect(Number(last!.headers['retry-after'])).toBeGreaterThan(0);
  });
});

describe('the error handler on its own', () => {
  it('maps a 4xx by status to the catalogue, keeps an unknown 4xx with QT_ERR_BAD_REQUEST, and hides 5xx', async () => {
    const app = fastify({ frameworkErrors });
    app.setErrorHandler(errorHandler);
    app.setNotFoundHandler(notFoundHandler);
    const fail = (statusCode: number, message: string) => Object.assign(new Error(message), { statusCode });
    app.get('/405', async () => {
      throw fail(405, 'no');
    });
    app.get('/418', async () => {
      throw fail(418, "I'm a teapot");
    });
    app.get('/echo/:id', async (request) => {
      throw fail(409, `conflict at ${request.url}`);
    });
    app.get('/500', async () => {
      throw new Error('database password is hunter2');
    });
    const get = async (url: string) => {
      const res = await app.inject({ url });
      return { status: res.statusCode, body: res.json<ErrorBody>() };
    };
    expect(await get('/405')).toEqual({ status: 405, body: { error: { code: 'QT_ERR_METHOD_NOT_ALLOWED', message: 'no' } } });
    expect(await get('/418')).toEqual({ status: 418, body: { error: { code: 'QT_ERR_BAD_REQUEST', message: "I'm a teapot" } } });
    // a message that quotes the URL is replaced by the catalogue's
    expect(await get('/echo/abc')).toEqual({ status: 409, body: { error: { code: 'QT_ERR_CONFLICT', message: ERROR_CATALOGUE.QT_ERR_CONFLICT.message } } });
    expect(await get('/500')).toEqual({ status: 500, body: { error: { code: 'QT_ERR_INTERNAL', message: 'Internal error' } } });
    await app.close();
  });
});
