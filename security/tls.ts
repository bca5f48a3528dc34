/**
 * @module security/tls
 * TLS when TLS_CERT_FILE and TLS_KEY_FILE are set: the HTTP port serves HTTPS (the API, the
 * page, socket.io and MQTT over WebSocket become wss, Node-RED at /red likewise) and MQTT over
 * TLS listens on MQTT_TLS_PORT (8883). Plain MQTT on MQTT_PORT stays for loggers that cannot do
 * TLS; close it at the firewall where every station can. The files are read once at start (a
 * renewed certificate needs a restart). TLS 1.2 is the minimum.
 */
import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createTlsServer, type TLSSocket } from 'node:tls';
import type { Config } from '../config/index.js';
import { QuantracError } from '../lib/errors.js';
import type { Logger } from '../lib/logger.js';

export interface TlsMaterial {
  cert: Buffer;
  key: Buffer;
}

/** The certificate and key, or undefined when TLS is not configured; unreadable files stop start-up. */
export function loadTls(config: Readonly<Config>): TlsMaterial | undefined {
  const { tlsCertFile, tlsKeyFile } = config.security;
  if (!tlsCertFile || !tlsKeyFile) return undefined;
  const read = (file: string, env: string) => {
    try {
      return readFileSync(file);
    } catch (err) {
      throw new QuantracError('QT_ERR_CONFIG_INVALID', `Invalid configuration:\n  - ${env}: cannot read ${file} (${(err as Error).message})`, {
        details: { problems: [`${env}: cannot read the file`] },
        cause: err,
      });
    }
  };
  return { cert: read(tlsCertFile, 'TLS_CERT_FILE'), key: read(tlsKeyFile, 'TLS_KEY_FILE') };
}

/** The HTTP server behind fastify's serverFactory: HTTPS with the certificate, else plain HTTP. */
export function createWebServer(tls: TlsMaterial | undefined, handler: (req: IncomingMessage, res: ServerResponse) => void): HttpServer {
  if (!tls) return createHttpServer(handler);
  // https.Server extends tls.Server, not http.Server, but has the same request/upgrade API fastify and ws use.
  return createHttpsServer({ cert: tls.cert, key: tls.key, minVersion: 'TLSv1.2' }, handler) as unknown as HttpServer;
}

export interface MqttTlsServer {
  port: number;
  stopAccepting(): Promise<void>;
}

/** MQTT over TLS: each decrypted connection is handed to the broker like a TCP one. */
export async function startMqttTls({
  tls,
  port,
  host,
  handle,
  logger,
}: {
  tls: TlsMaterial;
  port: number;
  host: string;
  handle: (socket: TLSSocket) => void;
  logger: Logger;
}): Promise<MqttTlsServer> {
  const server = createTlsServer({ cert: tls.cert, key: tls.key, minVersion: 'TLSv1.2' }, (socket) => {
    socket.setNoDelay(true);
    handle(socket);
  });
  // A failed handshake (port scan, wrong CA on the client) is the client's problem, not ours.
  server.on('tlsClientError', (err) => logger.debug({ err: err.message }, 'MQTT TLS handshake failed'));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', (err) => logger.error({ err }, 'MQTT TLS server error'));
  const address = server.address();
  let open = true;
  return {
    port: typeof address === 'object' && address ? address.port : port,
    async stopAccepting() {
      if (!open) return;
      open = false;
      // not awaiting the callback: it fires only when the broker has closed every connection
      server.close();
    },
  };
}
