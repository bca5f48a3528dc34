/**
 * @module broker/client-address
 * The address of an MQTT client, over TCP, TLS or WebSocket: what the login guard keys its
 * per-address counters on, what the station limits and the audit log record as the source.
 *
 * Behind a load balancer the socket's peer is the balancer, so the client's real address is taken
 * from it, but only when it is one of the trusted proxies (`TRUSTED_PROXIES`, `trustedProxies()`):
 * from its PROXY protocol header on MQTT/TCP (broker/proxy-protocol-socket.ts) or its
 * X-Forwarded-For on an upgraded WebSocket request (`forwardedAddress()`). Whoever learns the real
 * address carries it on the connection (`carryClientAddress()`); `streamAddress()` then gives it
 * to the size guard, which passes it on to the filtered stream that aedes keeps as `client.conn`.
 * The HTTP API uses the same trust predicate as fastify's `trustProxy` (api/index.ts).
 */
import type { IncomingMessage } from 'node:http';
import { BlockList, isIP, isIPv4, isIPv6 } from 'node:net';
import type { Client } from 'aedes';
import { createError } from '../lib/errors.js';

/** Whether an address is one of the trusted proxies. */
export type TrustedProxy = (address: string | undefined) => boolean;

/**
 * The trust predicate of `TRUSTED_PROXIES` (IPv4/IPv6 addresses and CIDR ranges); an empty list
 * trusts nobody. An IPv4 entry also matches its IPv4-mapped IPv6 form (`::ffff:a.b.c.d`).
 * Throws QT_ERR_CONFIG_INVALID naming the entry that is not an address or range.
 */
export function trustedProxies(entries: readonly string[]): TrustedProxy {
  if (entries.length === 0) return () => false;
  const list = new BlockList();
  for (const entry of entries) {
    const [address = '', prefix, extra] = entry.trim().split('/');
    const family = isIPv4(address) ? 'ipv4' : isIPv6(address) ? 'ipv6' : undefined;
    const bits = prefix === undefined ? undefined : /^[0-9]{1,3}$/.test(prefix) ? Number(prefix) : NaN;
    if (!family || extra !== undefined || (bits !== undefined && !(bits <= (family === 'ipv4' ? 32 : 128)))) {
      throw createError('QT_ERR_CONFIG_INVALID', `Invalid configuration:\n  - TRUSTED_PROXIES: "${entry}" is not an IP address or CIDR range`, {
        details: { problems: [`TRUSTED_PROXIES: "${entry}" is not an IP address or CIDR range`] },
      });
    }
    if (bits === undefined) list.addAddress(address, family);
    else list.addSubnet(address, bits, family);
  }
  return (address) => {
    if (!address) return false;
    if (isIPv4(address)) return list.check(address, 'ipv4');
    return isIPv6(address) && list.check(address, 'ipv6');
  };
}

/**
 * The client's address of an HTTP request (a WebSocket upgrade) as fastify's `request.ip` gives it
 * with `trustProxy`: from the socket's peer leftwards through X-Forwarded-For, the first hop that
 * is not a trusted proxy (or the leftmost one). The peer itself when it is not trusted.
 */
export function forwardedAddress(request: IncomingMessage, isTrusted: TrustedProxy): string | undefined {
  let address = request.socket?.remoteAddress;
  if (!isTrusted(address)) return address;
  const header = request.headers['x-forwarded-for'];
  const hops = (Array.isArray(header) ? header.join(',') : (header ?? ''))
    .split(',')
    .map((h) => h.trim())
    .filter((h) => h !== '');
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = hops[i]!;
    if (isIP(hop) === 0) break; // not an address: keep the last one that was
    address = hop;
    if (!isTrusted(hop)) break;
  }
  return address;
}

/** Client addresses learnt from a trusted proxy, per connection (a socket or a WebSocket stream). */
const carried = new WeakMap<object, string>();

/** Records the real client address of a connection, learnt from a trusted proxy, before it is handed to the broker. */
export function carryClientAddress(conn: object, address: string): void {
  carried.set(conn, address);
}

/** A connection's address: the one carried for it, else the socket's own (TCP, TLS, the filtered stream) or the upgraded HTTP request's (WebSocket). */
export function streamAddress(conn: unknown, request?: IncomingMessage): string {
  const known = typeof conn === 'object' && conn !== null ? carried.get(conn) : undefined;
  return known ?? (conn as { remoteAddress?: string } | undefined)?.remoteAddress ?? request?.socket?.remoteAddress ?? 'unknown';
}

/** The address of an MQTT client, over TCP, TLS or WebSocket. */
export function clientAddress(client: Client): string {
  return streamAddress(client.conn, client.req);
}
