/**
 * @module broker/proxy-protocol-socket
 * The PROXY protocol at the MQTT/TCP port (`MQTT_PROXY_PROTOCOL`): before a connection's bytes
 * reach the framing filter and aedes, its PROXY header is read off the socket and the client's
 * real address taken from it, so the login guard, the station limits and the audit log see the
 * station and not the load balancer.
 *
 * - From a trusted proxy (`TRUSTED_PROXIES`) the connection must start with a v1 or v2 header
 *   (broker/proxy-protocol.ts); without one, or with a broken one, or none within `timeoutMs`, it
 *   is refused. A LOCAL/UNKNOWN header (the balancer's own health check) keeps the socket's address.
 *   A connection closed before sending anything (a plain TCP health check) is closed quietly.
 * - From any other address a PROXY header is refused (anyone could claim any address); other
 *   connections pass as they are.
 *
 * The bytes after the header are put back on the socket (`socket.unshift`) and the socket itself
 * is handed on, so flow control and the rest of the broker's path stay as without a balancer.
 */
import type { Socket } from 'node:net';
import { DEFAULT_MAX_V2_BYTES, looksLikeProxyHeader, parseProxyHeader, type ProxyHeader } from './proxy-protocol.js';
import type { TrustedProxy } from './client-address.js';

export interface ProxyProtocolOptions {
  isTrustedProxy: TrustedProxy;
  /** The connection goes on: its first bytes are the client's own; `source` is the client's address. */
  accept(socket: Socket, source: string, header: ProxyHeader | undefined): void;
  /** The connection is refused (the socket is destroyed after this): log and audit it. */
  refuse(peer: string, reason: string): void;
  /** A trusted proxy's header must have arrived by then (default 10 s). */
  timeoutMs?: number;
  /** Another client's first bytes must have arrived by then (default 30 s, aedes' own CONNECT timeout). */
  firstBytesTimeoutMs?: number;
  /** Largest v2 header (default DEFAULT_MAX_V2_BYTES). */
  maxV2Bytes?: number;
}

/** Reads the PROXY header of a new MQTT/TCP connection (or checks there is none), then accepts or refuses it. */
export function acceptProxyProtocol(
  socket: Socket,
  { isTrustedProxy, accept, refuse, timeoutMs = 10_000, firstBytesTimeoutMs = 30_000, maxV2Bytes = DEFAULT_MAX_V2_BYTES }: ProxyProtocolOptions,
): void {
  const peer = socket.remoteAddress ?? 'unknown';
  const trusted = isTrustedProxy(socket.remoteAddress);
  let received: Buffer = Buffer.alloc(0);
  let settled = false;

  const cleanup = () => {
    settled = true;
    clearTimeout(timer);
    socket.off('readable', onReadable);
    socket.off('end', onEnd);
    socket.off('error', onError);
  };
  const refuseWith = (reason: string) => {
    cleanup();
    refuse(peer, reason);
    socket.destroy();
  };
  const handOn = (rest: Buffer, source: string, header: ProxyHeader | undefined) => {
    cleanup();
    if (rest.length > 0) socket.unshift(rest);
    accept(socket, source, header);
  };

  function onReadable(): void {
    let chunk: Buffer | null;
    while (!settled && (chunk = socket.read() as Buffer | null) !== null) {
      received = received.length === 0 ? chunk : Buffer.concat([received, chunk]);
      if (!trusted) {
        // The first byte decides: 'P' (v1) and CR (v2) can never begin an MQTT CONNECT.
        if (looksLikeProxyHeader(received)) return refuseWith('PROXY protocol header from an address that is not a trusted proxy');
        return handOn(received, peer, undefined);
      }
      const parsed = parseProxyHeader(received, { maxV2Bytes });
      if (parsed.status === 'incomplete') continue;
      if (parsed.status === 'invalid') return refuseWith(`trusted proxy without a valid PROXY protocol header: ${parsed.reason}`);
      return handOn(received.subarray(parsed.length), parsed.header.source?.address ?? peer, parsed.header);
    }
  }
  function onEnd(): void {
    // closed before the header (or any byte): a TCP health check, or a client that gave up
    const quiet = received.length === 0;
    cleanup();
    if (!quiet) refuse(peer, 'connection closed inside the PROXY protocol header');
    socket.destroy();
  }
  function onError(): void {
    cleanup();
    socket.destroy();
  }

  const timer = setTimeout(
    () => refuseWith(trusted ? `no PROXY protocol header within ${timeoutMs} ms` : `no data within ${firstBytesTimeoutMs} ms`),
    trusted ? timeoutMs : firstBytesTimeoutMs,
  );
  timer.unref();
  socket.on('readable', onReadable);
  socket.on('end', onEnd);
  socket.on('error', onError);
}
