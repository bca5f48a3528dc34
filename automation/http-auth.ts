/**
 * @module automation/http-auth
 * Who may call the flows' HTTP-in endpoints under /red/api. Node-RED serves them from its own
 * express app, outside fastify and the API's role checks, so an admin's flow that drives a
 * station command would otherwise be open to anyone. This middleware, given to Node-RED as its
 * declared `httpNodeMiddleware` setting (run before every `http in` route), requires a Quantrac
 * caller (auth/caller.ts: bearer session or API token, or the session cookie):
 *
 * - `GET`, `HEAD`, `OPTIONS`: at least **viewer** (an analyst's read-only API token works);
 * - any other method: at least **operator**, since a flow's POST typically acts (a downlink
 *   command, an acknowledgement). API tokens are read-only and are refused there (403).
 *
 * Refusals answer like the API: `401`/`403` with `{ error: { code, message } }`. The caller's
 * name and role are left on `req.quantracUser` for the flow (`msg.req.quantracUser`).
 * NODE_RED_HTTP_ANONYMOUS=true leaves the endpoints open (automation/index.ts logs a warning at start).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { authorizeCaller } from '../auth/caller.js';
import type { TokenService } from '../auth/tokens.js';
import { isQuantracError } from '../lib/errors.js';
import type { Logger } from '../lib/logger.js';
import type { Role } from '../store/users.js';

export type HttpNodeMiddleware = (req: IncomingMessage & { quantracUser?: { username: string; role: Role } }, res: ServerResponse, next: (err?: unknown) => void) => void;

const READS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The least role an HTTP-in call with this method needs. */
export function roleForMethod(method: string | undefined): Role {
  return READS.has((method ?? 'GET').toUpperCase()) ? 'viewer' : 'operator';
}

function answer(res: ServerResponse, status: number, code: string, message: string): void {
  res.statusCode = status;
  res.setHeader('content-type', 'application/json; charset=utf-8');
  if (status === 401) res.setHeader('www-authenticate', 'Bearer');
  res.end(JSON.stringify({ error: { code, message } }));
}

/**
 * The `httpNodeMiddleware` that requires a Quantrac caller with the method's role.
 * @example settings.httpNodeMiddleware = httpNodeAuth({ tokens, logger });
 */
export function httpNodeAuth({ tokens, logger }: { tokens: TokenService; logger: Logger }): HttpNodeMiddleware {
  return function httpNodeAuthMiddleware(req, res, next) {
    const method = req.method ?? 'GET';
    authorizeCaller(tokens, method, req.headers, roleForMethod(method)).then(
      (claims) => {
        req.quantracUser = { username: claims.sub, role: claims.role };
        next();
      },
      (err: unknown) => {
        if (isQuantracError(err)) return answer(res, err.statusCode, err.code, err.message);
        logger.error({ err, url: req.url }, 'Node-RED HTTP-in: the caller could not be checked');
        answer(res, 503, 'QT_ERR_STORE_UNAVAILABLE', 'The caller could not be checked now; retry later');
      },
    );
  };
}
