/**
 * @module api/sta/odata/parser
 * Recursive-descent parser for `$filter` (OGC 18-088 §9.3.3.5; OData 4.0 precedence, loosest
 * first): `or` < `and` < `not` < comparison (eq ne gt ge lt le, not chained) < `add sub` <
 * `mul div mod` < unary `-` < primary (parentheses, literal, function call, property path).
 * Functions are checked for existence and arity here; whether a property exists is the
 * compiler's business (it knows the entity set).
 * @example parseFilter("name eq 'A' or (startswith(name,'B') and not result gt 10)")
 */
import type { BinaryOp, Expr } from './ast.js';
import { filterError, tokenize, type Token } from './lexer.js';
import { parseWkt } from './wkt.js';

/** Functions served: lower-cased name → [fewest, most] arguments. */
export const FUNCTIONS: Readonly<Record<string, readonly [number, number]>> = {
  substringof: [2, 2],
  startswith: [2, 2],
  endswith: [2, 2],
  contains: [2, 2],
  length: [1, 1],
  indexof: [2, 2],
  substring: [2, 3],
  tolower: [1, 1],
  toupper: [1, 1],
  trim: [1, 1],
  concat: [2, 2],
  year: [1, 1],
  month: [1, 1],
  day: [1, 1],
  hour: [1, 1],
  minute: [1, 1],
  second: [1, 1],
  fractionalseconds: [1, 1],
  date: [1, 1],
  time: [1, 1],
  totaloffsetminutes: [1, 1],
  now: [0, 0],
  mindatetime: [0, 0],
  maxdatetime: [0, 0],
  round: [1, 1],
  floor: [1, 1],
  ceiling: [1, 1],
  'geo.distance': [2, 2],
  'geo.length': [1, 1],
  'geo.intersects': [2, 2],
  st_equals: [2, 2],
  st_disjoint: [2, 2],
  st_within: [2, 2],
  st_intersects: [2, 2],
  st_contains: [2, 2],
  st_geometrytype: [1, 1],
};
const NOT_SERVED = new Set(['st_touches', 'st_overlaps', 'st_crosses', 'st_relate', 'any', 'all', 'isof', 'cast']);

const MAX_DEPTH = 64;
const COMPARE = new Set(['eq', 'ne', 'gt', 'ge', 'lt', 'le']);
const ADDITIVE = new Set(['add', 'sub']);
const MULTIPLICATIVE = new Set(['mul', 'div', 'mod']);
const KEYWORDS = new Set([...COMPARE, ...ADDITIVE, ...MULTIPLICATIVE, 'and', 'or', 'not']);

/** Date.parse rolls 2026-02-30 over to March; refuse days, hours and minutes that do not exist. */
function realCalendar(text: string): boolean {
  const [y, mo, d, h, mi, s] = text.split(/[-T:.Z+ ]/).map(Number) as number[];
  const days = new Date(Date.UTC(y!, mo!, 0)).getUTCDate();
  return mo! >= 1 && mo! <= 12 && d! >= 1 && d! <= days && h! <= 23 && mi! <= 59 && (s === undefined || Number.isNaN(s) || s <= 59);
}

export function parseFilter(text: string): Expr {
  if (text.trim() === '') throw filterError('is empty');
  const tokens = tokenize(text);
  let i = 0;
  const peek = (): Token => tokens[i]!;
  const next = (): Token => tokens[i++]!;
  const keyword = (t: Token): string | undefined => (t.kind === 'name' && KEYWORDS.has(t.text.toLowerCase()) ? t.text.toLowerCase() : undefined);
  const describe = (t: Token) => (t.kind === 'eof' ? 'the end' : `"${t.kind === 'string' ? `'${t.text}'` : t.text}" at position ${t.pos}`);
  const expect = (kind: Token['kind'], what: string): Token => {
    const t = next();
    if (t.kind !== kind) throw filterError(`expected ${what}, found ${describe(t)}`);
    return t;
  };

  const binaryLevel =
    (ops: ReadonlySet<string>, operand: () => Expr, once = false) =>
    (): Expr => {
      let left = operand();
      for (;;) {
        const op = keyword(peek());
        if (!op || !ops.has(op)) return left;
        next();
        left = { kind: 'binary', op: op as BinaryOp, left, right: operand() };
        if (once) {
          const again = keyword(peek());
          if (again && ops.has(again)) throw filterError(`comparisons do not chain: use and (${describe(peek())})`);
          return left;
        }
      }
    };

  let depth = 0;
  const primary = (): Expr => {
    const t = next();
    // recursion is bounded so that a hostile `((((…` is a 400, not a stack overflow
    if (++depth > MAX_DEPTH) throw filterError(`nests deeper than ${MAX_DEPTH} levels`);
    try {
      return operand(t);
    } finally {
      depth--;
    }
  };

  const operand = (t: Token): Expr => {
    switch (t.kind) {
      case 'lparen': {
        const e = orExpr();
        expect('rparen', '")"');
        return e;
      }
      case 'string':
      case 'date':
        return { kind: 'literal', value: t.text };
      case 'number':
        return { kind: 'literal', value: Number(t.text) };
      case 'datetime': {
        const ms = Date.parse(t.text);
        if (Number.isNaN(ms) || !realCalendar(t.text)) throw filterError(`"${t.text}" is not a valid date-time`);
        return { kind: 'literal', value: new Date(ms) };
      }
      case 'typed':
        if (t.prefix === 'geography' || t.prefix === 'geometry') return { kind: 'geometry', value: parseWkt(t.text) };
        throw filterError(`${t.prefix}'…' literals are not served (geography'…', geometry'…')`);
      case 'minus':
        return { kind: 'negate', operand: unary() };
      case 'name': {
        const lower = t.text.toLowerCase();
        if (peek().kind === 'lparen') return call(t, lower);
        if (KEYWORDS.has(lower)) throw filterError(`expected an operand, found ${describe(t)}`);
        if (lower === 'true' || lower === 'false') return { kind: 'literal', value: lower === 'true' };
        if (lower === 'null') return { kind: 'literal', value: null };
        return { kind: 'property', path: t.text.split('/').map((p) => (p === 'id' ? '@iot.id' : p)) };
      }
      default:
        throw filterError(`expected an operand, found ${describe(t)}`);
    }
  };

  const call = (t: Token, name: string): Expr => {
    if (NOT_SERVED.has(name)) throw filterError(`function ${t.text} is not served`);
    const arity = FUNCTIONS[name];
    if (!arity) throw filterError(`unknown function ${t.text} (served: ${Object.keys(FUNCTIONS).join(', ')})`);
    next(); // (
    const args: Expr[] = [];
    if (peek().kind !== 'rparen') {
      args.push(orExpr());
      while (peek().kind === 'comma') {
        next();
        args.push(orExpr());
      }
    }
    expect('rparen', `")" closing ${t.text}(`);
    if (args.length < arity[0] || args.length > arity[1]) {
      throw filterError(`${t.text} takes ${arity[0] === arity[1] ? arity[0] : `${arity[0]} to ${arity[1]}`} argument(s), not ${args.length}`);
    }
    return { kind: 'call', name, args };
  };

  const unary = (): Expr => primary();
  const mulExpr = binaryLevel(MULTIPLICATIVE, unary);
  const addExpr = binaryLevel(ADDITIVE, mulExpr);
  const cmpExpr = binaryLevel(COMPARE, addExpr, true);
  const notExpr = (): Expr => {
    if (keyword(peek()) === 'not') {
      next();
      if (++depth > MAX_DEPTH) throw filterError(`nests deeper than ${MAX_DEPTH} levels`);
      const operand = notExpr();
      depth--;
      return { kind: 'not', operand };
    }
    return cmpExpr();
  };
  const andExpr = binaryLevel(new Set(['and']), notExpr);
  const orExpr = binaryLevel(new Set(['or']), andExpr);

  const tree = orExpr();
  if (peek().kind !== 'eof') throw filterError(`unexpected ${describe(peek())}`);
  return tree;
}
