/**
 * @module api/plugins/input
 * One preValidation hook for every route (registered once with fastify-plugin, before the routes),
 * for what JSON schema validation with ajv's coercion lets through and the database then refuses
 * with a 500, or what a caller means by an empty value:
 *
 * - an empty query value (`?province=`) is the same as no value: the parameter is removed
 *   before validation, so an empty filter means "no filter" (and a required one is missing);
 * - a query or path value with a control character (NUL, which Postgres cannot store in text,
 *   and the rest of C0 and DEL), or a JSON body string or key with NUL or a C0 control other
 *   than tab, line feed and carriage return: 400 QT_ERR_BAD_REQUEST;
 * - a query or path value declared `integer` or `number` must be written in plain decimal:
 *   ajv's coercion takes `1e3`, `0x10`, ` 5`, `Infinity`; those are 400 QT_ERR_BAD_REQUEST.
 *   Bounds are the schemas' `maximum` (api/schemas/common.ts MAX_INT for ids, offsets, limits);
 *   an integer whose schema declares none is refused above MAX_INT all the same (the database's
 *   `integer`): no query or path value reaches a column it overflows.
 */
import fp from 'fastify-plugin';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { createError } from '../../lib/errors.js';
import { MAX_INT } from '../schemas/common.js';

/** Any C0 control or DEL: never in a query or path value. */
// eslint-disable-next-line no-control-regex -- finding control bytes is what this does
const URL_CONTROL = /[\u0000-\u001f\u007f]/;
/** NUL and the C0 controls a text does not carry (tab, LF and CR are allowed in bodies). */
// eslint-disable-next-line no-control-regex -- finding control bytes is what this does
const BODY_CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f]/;
const DECIMAL_INTEGER = /^-?[0-9]+$/;
const DECIMAL_NUMBER = /^-?[0-9]+(\.[0-9]+)?$/;
/** How deep a JSON body is searched (deeper bodies are refused by the routes' schemas anyway). */
const MAX_DEPTH = 32;

type Schema = { type?: string | string[]; maximum?: number; minimum?: number; properties?: Record<string, Schema> } | undefined;

function numericType(schema: Schema): 'integer' | 'number' | undefined {
  const types = schema?.type === undefined ? [] : Array.isArray(schema.type) ? schema.type : [schema.type];
  if (types.includes('string')) return undefined;
  if (types.includes('integer')) return 'integer';
  if (types.includes('number')) return 'number';
  return undefined;
}

/** Checks one query or path value against its declared property schema. */
function checkValue(where: string, key: string, value: string, property: Schema): void {
  if (URL_CONTROL.test(value)) throw createError('QT_ERR_BAD_REQUEST', `${where}.${key}: must not contain control characters`);
  const numeric = numericType(property);
  if (numeric && !(numeric === 'integer' ? DECIMAL_INTEGER : DECIMAL_NUMBER).test(value)) {
    throw createError('QT_ERR_BAD_REQUEST', `${where}.${key}: must be a plain decimal ${numeric}`);
  }
  if (numeric === 'integer' && Math.abs(Number(value)) > MAX_INT && property?.maximum === undefined) {
    throw createError('QT_ERR_BAD_REQUEST', `${where}.${key}: must be at most ${MAX_INT}`);
  }
}

/** Removes empty values and checks the rest; repeated parameters are checked one by one. */
function checkRecord(where: 'querystring' | 'params', record: Record<string, unknown>, schema: Schema, dropEmpty: boolean): void {
  for (const [key, value] of Object.entries(record)) {
    if (dropEmpty && (value === '' || (Array.isArray(value) && value.every((v) => v === '')))) {
      delete record[key];
      continue;
    }
    if (URL_CONTROL.test(key)) throw createError('QT_ERR_BAD_REQUEST', `${where}: a parameter name must not contain control characters`);
    const property = schema?.properties?.[key];
    for (const v of Array.isArray(value) ? value : [value]) if (typeof v === 'string') checkValue(where, key, v, property);
  }
}

/** Throws on the first string (value or key) of a JSON body with a control character it must not carry. */
function checkBody(value: unknown, path: string, depth: number): void {
  if (typeof value === 'string') {
    if (BODY_CONTROL.test(value)) throw createError('QT_ERR_BAD_REQUEST', `body${path}: must not contain NUL or control characters`);
    return;
  }
  if (typeof value !== 'object' || value === null || depth > MAX_DEPTH || Buffer.isBuffer(value)) return;
  if (Array.isArray(value)) {
    value.forEach((v, i) => checkBody(v, `${path}[${i}]`, depth + 1));
    return;
  }
  for (const [k, v] of Object.entries(value)) {
    if (BODY_CONTROL.test(k)) throw createError('QT_ERR_BAD_REQUEST', `body${path}: a property name must not contain NUL or control characters`);
    checkBody(v, `${path}.${k}`, depth + 1);
  }
}

/** The hook itself (exported for unit tests). */
export async function checkInput(request: FastifyRequest): Promise<void> {
  const schema = request.routeOptions.schema as { querystring?: Schema; params?: Schema } | undefined;
  if (request.query && typeof request.query === 'object') checkRecord('querystring', request.query as Record<string, unknown>, schema?.querystring, true);
  if (request.params && typeof request.params === 'object') checkRecord('params', request.params as Record<string, unknown>, schema?.params, false);
  if (request.body !== undefined) checkBody(request.body, '', 0);
}

async function input(app: FastifyInstance): Promise<void> {
  app.addHook('preValidation', checkInput);
}

export const inputPlugin = fp(input, { name: 'quantrac-input', fastify: '5.x' });
