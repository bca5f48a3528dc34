/**
 * @module broker/client-address
 * The peer address of an MQTT connection, over TCP, TLS or WebSocket: what the login guard keys
 * its per-address counters on and what the audit log records as the source.
 */
import type { IncomingMessage } from 'node:http';
import type { Client } from 'aedes';

/** A connection's address: the socket's own (TCP, TLS, the filtered stream) or the upgraded HTTP request's (WebSocket). */
export function streamAddress(conn: unknown, request?: IncomingMessage): string {
  return (conn as { remoteAddress?: string } | undefined)?.remoteAddress ?? request?.socket?.remoteAddress ?? 'unknown';
}

/** The peer address of an MQTT client, over TCP, TLS or WebSocket. */
export function clientAddress(client: Client): string {
  return streamAddress(client.conn, client.req);
}
