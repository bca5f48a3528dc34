/**
 * @module auth/caller
 * Who is calling, from plain request headers, and whether they may: the same rules as the API's
 * `checkRole` (api/plugins/auth.ts) without fastify, for endpoints served outside it (the
 * Node-RED HTTP-in endpoints under /red/api, automation/http-auth.ts). A caller is found by
 * `Authorization: Bearer` (a session token `v1.…` or a read-only API token `qtk_…`) or else the
 * browser's session cookie; a state-changing request authenticated by the cookie must carry
 * `X-Requested-With` (CSRF).
 */
import { createError } from '../lib/errors.js';
import type { Role } from '../store/users.js';
import { SESSION_COOKIE, cookieValue } from './session-cookie.js';
import { ROLE_RANK, type TokenClaims, type TokenService } from './tokens.js';

/** Methods that change state. */
export const UNSAFE_METHODS: ReadonlySet<string> = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** The request headers the check reads (node's IncomingHttpHeaders fits). */
export interface CallerHeaders {
  authorization?: string | undefined;
  cookie?: string | undefined;
  'x-requested-with'?: string | string[] | undefined;
}

/**
 * The caller's claims when they hold at least `role`; throws QT_ERR_UNAUTHORIZED (401) without a
 * valid token, QT_ERR_FORBIDDEN or QT_ERR_TOKEN_READ_ONLY (403) when they may not.
 * @example const claims = await authorizeCaller(tokens, req.method ?? 'GET', req.headers, 'viewer');
 */
export async function authorizeCaller(tokens: TokenService, method: string, headers: CallerHeaders, role: Role): Promise<TokenClaims> {
  const unsafe = UNSAFE_METHODS.has(method.toUpperCase());
  const bearer = headers.authorization?.startsWith('Bearer ') ? headers.authorization.slice(7).trim() : undefined;
  let claims: TokenClaims | undefined;
  if (bearer !== undefined) {
    claims = await tokens.resolve(bearer);
    if (!claims) throw createError('QT_ERR_UNAUTHORIZED', 'The bearer token is unknown, revoked or expired');
  } else {
    const cookie = cookieValue(headers.cookie, SESSION_COOKIE);
    claims = cookie ? tokens.verify(cookie) : undefined;
    if (!claims) throw createError('QT_ERR_UNAUTHORIZED', 'A valid bearer token or session is required (POST /api/v1/auth/login)');
    if (unsafe && !headers['x-requested-with']) throw createError('QT_ERR_FORBIDDEN', 'A request authenticated by the session cookie must carry the X-Requested-With header');
  }
  // a session made from an API token (a wall screen) ends once the token is revoked
  if (claims.tokenId !== undefined && !bearer?.startsWith('qtk_') && !(await tokens.stillValid(claims)))
    throw createError('QT_ERR_UNAUTHORIZED', 'The API token behind this session was revoked or expired');
  if (claims.readOnly && unsafe) throw createError('QT_ERR_TOKEN_READ_ONLY', 'API tokens and the sessions made from them are read-only: log in to change anything');
  if (ROLE_RANK[claims.role] < ROLE_RANK[role]) throw createError('QT_ERR_FORBIDDEN', `This needs the ${role} role; you are ${claims.role}`);
  return claims;
}
