/**
 * @module api/realtime/rooms
 * Who may open the live stream and what they may follow.
 *
 * Authentication at the handshake: the session cookie (the page) or `auth.token` (scripts). A
 * cookie handshake must come from the same origin (the Origin header's host equals Host), so
 * another site cannot open a socket with the operator's cookie. Analysts' API tokens are for the
 * REST API: `tokens.verify` does not accept them here. A wall screen exchanges its token for a
 * session first (POST /api/v1/auth/session/token); such a session (its claims carry the API
 * token's id) is refused once that token is revoked.
 *
 * Rooms: `overview`, `alerts` and `station:<id>` of a station that exists; a client joins with
 * `subscribe` (acknowledged `{ ok }` or `{ ok: false, error }`) and leaves with `unsubscribe`.
 */
import { createError } from '../../lib/errors.js';
import type { Server, Socket } from 'socket.io';
import type { SubscribeAck } from '../../domain/live.js';
import type { TokenClaims, TokenService } from '../../auth/tokens.js';
import type { StationDirectory } from '../../stations/directory.js';
import { SESSION_COOKIE, cookieValue } from '../plugins/auth.js';

export interface SocketData {
  user: TokenClaims;
}

/** socket.io middleware: the caller's claims from `auth.token` or the same-origin session cookie, or a refusal. */
export function authenticateHandshake(tokens: TokenService) {
  return function authenticateSocket(socket: Socket, next: (err?: Error) => void): void {
    const { headers } = socket.handshake;
    const given = (socket.handshake.auth as { token?: unknown } | undefined)?.token;
    let found: Promise<TokenClaims | undefined>;
    if (typeof given === 'string') {
      found = Promise.resolve(tokens.verify(given));
    } else {
      const cookie = cookieValue(headers.cookie, SESSION_COOKIE);
      const origin = headers.origin;
      if (cookie && origin !== undefined && safeHost(origin) !== headers.host) return next(createError('QT_ERR_FORBIDDEN', 'cross-origin session refused'));
      found = Promise.resolve(cookie ? tokens.verify(cookie) : undefined);
    }
    found
      .then(async (claims) => (claims && (await tokens.stillValid(claims)) ? claims : undefined))
      .then(
        (claims) => {
          if (!claims) return next(createError('QT_ERR_UNAUTHORIZED', 'unauthorized'));
          (socket.data as SocketData).user = claims;
          next();
        },
        (err: unknown) => next(err instanceof Error ? err : createError('QT_ERR_UNAUTHORIZED', 'unauthorized')),
      );
  };
}

/** Lets every connection join and leave the rooms it may follow. */
export function handleSubscriptions(io: Server, directory: StationDirectory): void {
  function checkRoom(room: unknown): string | undefined {
    if (room === 'overview' || room === 'alerts') return undefined;
    if (typeof room === 'string' && room.startsWith('station:')) {
      return directory.get(room.slice('station:'.length)) ? undefined : `no station ${room.slice('station:'.length)}`;
    }
    return 'unknown room (overview, alerts or station:<id>)';
  }

  io.on('connection', (socket: Socket) => {
    socket.on('subscribe', (room: unknown, ack: unknown) => {
      const answer = (a: SubscribeAck) => (typeof ack === 'function' ? (ack as (a: SubscribeAck) => void)(a) : undefined);
      const error = checkRoom(room);
      if (error) return answer({ ok: false, error });
      void socket.join(room as string);
      answer({ ok: true });
    });
    socket.on('unsubscribe', (room: unknown, ack: unknown) => {
      if (typeof room === 'string') void socket.leave(room);
      if (typeof ack === 'function') (ack as (a: SubscribeAck) => void)({ ok: true });
    });
  });
}

function safeHost(origin: string): string | undefined {
  try {
    return new URL(origin).host;
  } catch {
    return undefined;
  }
}
