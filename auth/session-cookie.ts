/**
 * @module auth/session-cookie
 * The browser session cookie: its name, how to read it from a Cookie header without a parser,
 * and the Set-Cookie value that carries a signed session token (httpOnly, SameSite=Strict,
 * Secure over HTTPS). Shared by the API (api/plugins/auth.ts, api/routes/auth.ts), the live
 * stream's handshake and Node-RED's admin login (automation/index.ts), so they agree on one cookie.
 */

/** Name of the browser session cookie (httpOnly, SameSite=Strict) that carries a signed token. */
export const SESSION_COOKIE = 'qt_session';

/** Reads one cookie from a Cookie header without a parser plugin (the token alphabet needs no decoding). */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/**
 * The Set-Cookie value of the session cookie; an empty value with max-age 0 clears it.
 * @example reply.header('set-cookie', sessionCookieHeader(token, 43_200, request.protocol === 'https'));
 */
export function sessionCookieHeader(value: string, maxAgeSeconds: number, secure: boolean): string {
  const attrs = [`${SESSION_COOKIE}=${value}`, 'Path=/', 'HttpOnly', 'SameSite=Strict', `Max-Age=${Math.max(0, Math.round(maxAgeSeconds))}`];
  if (secure) attrs.push('Secure');
  return attrs.join('; ');
}
