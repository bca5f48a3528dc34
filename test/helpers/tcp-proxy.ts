/**
 * Test helper: a TCP proxy on 127.0.0.1 (port 0) in front of a database server, that a test can
 * cut and restore to play a database outage, or slow down to play a slow database.
 * - cut('refuse'): open connections are destroyed and new ones refused (the server stopped);
 * - cut('blackhole'): open connections stop carrying bytes and new ones are accepted but never
 *   answered (the network dropped the server: nobody says anything);
 * - restore(): back to normal (blackholed connections are destroyed then);
 * - delayMs: every chunk from the server to the client is held this long (a slow database).
 */
import { createServer, connect, type Server, type Socket } from 'node:net';

export interface TcpProxy {
  port: number;
  cut(mode?: 'refuse' | 'blackhole'): Promise<void>;
  restore(): Promise<void>;
  delayMs: number;
  /** Connections opened through the proxy so far. */
  readonly connections: number;
  close(): Promise<void>;
}

export async function startTcpProxy(targetPort: number, targetHost = '127.0.0.1'): Promise<TcpProxy> {
  let mode: 'open' | 'refuse' | 'blackhole' = 'open';
  const pairs = new Set<[Socket, Socket | undefined]>();
  let connections = 0;
  const proxy: TcpProxy = {
    port: 0,
    delayMs: 0,
    get connections() {
      return connections;
    },
    async cut(how = 'refuse') {
      mode = how;
      for (const pair of pairs) {
        if (how === 'refuse') {
          pair[0].destroy();
          pair[1]?.destroy();
          pairs.delete(pair);
        } else {
          pair[0].pause();
          pair[1]?.pause();
        }
      }
      if (how === 'refuse') await new Promise<void>((r) => server.close(() => r()));
    },
    async restore() {
      for (const pair of pairs) {
        pair[0].destroy();
        pair[1]?.destroy();
      }
      pairs.clear();
      if (mode === 'refuse') await listen(proxy.port);
      mode = 'open';
    },
    async close() {
      for (const pair of pairs) {
        pair[0].destroy();
        pair[1]?.destroy();
      }
      pairs.clear();
      if (server.listening) await new Promise<void>((r) => server.close(() => r()));
    },
  };

  const onClient = (client: Socket) => {
    if (mode === 'refuse') {
      client.destroy();
      return;
    }
    if (mode === 'blackhole') {
      // accepted, never answered
      const pair: [Socket, Socket | undefined] = [client, undefined];
      pairs.add(pair);
      client.on('error', () => pairs.delete(pair));
      client.on('close', () => pairs.delete(pair));
      return;
    }
    connections++;
    const upstream = connect(targetPort, targetHost);
    const pair: [Socket, Socket | undefined] = [client, upstream];
    pairs.add(pair);
    const end = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
    client.on('data', (d) => {
      if (mode === 'open') upstream.write(d);
    });
    upstream.on('data', (d) => {
      if (mode !== 'open') return;
      if (proxy.delayMs > 0) {
        upstream.pause();
        setTimeout(() => {
          if (mode === 'open') client.write(d);
          upstream.resume();
        }, proxy.delayMs);
      } else client.write(d);
    });
  };
  let server: Server = createServer(onClient);
  const listen = (port: number) =>
    new Promise<void>((resolve, reject) => {
      server = createServer(onClient);
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        const address = server.address();
        proxy.port = typeof address === 'object' && address ? address.port : port;
        resolve();
      });
    });
  await listen(0);
  return proxy;
}
