/**
 * @module api/upgrade
 * WebSocket upgrades on the API's port, routed by path before fastify sees them: /mqtt is MQTT
 * over WebSocket (handed to the broker like a TCP client), /socket.io/ is left to socket.io's own
 * upgrade listener (api/realtime), /red/ to Node-RED's (automation/); any other upgrade is refused
 * by closing the socket. Attached by `createHttpServer` (api/index.ts): a built but not listening
 * API (`buildApi`, tests with inject) has no upgrades to route.
 */
import type { Server } from 'node:http';
import { WebSocketServer, createWebSocketStream } from 'ws';
import type { Broker } from '../broker/index.js';

export interface UpgradeRouter {
  /** Ends every MQTT-over-WebSocket client and stops taking new ones. */
  close(): void;
}

export function routeUpgrades(server: Server, broker: Pick<Broker, 'handleStream'>): UpgradeRouter {
  const wss = new WebSocketServer({ noServer: true });
  server.on('upgrade', (request, socket, head) => {
    const path = (request.url ?? '').split('?')[0];
    // socket.io's own upgrade listener (api/realtime) takes /socket.io/
    if (path === '/socket.io/') return;
    // Node-RED's editor comms (/red/comms) is answered by Node-RED's own upgrade listener.
    if (path?.startsWith('/red/')) return;
    if (path !== '/mqtt') {
      socket.destroy();
      return;
    }
    wss.handleUpgrade(request, socket, head, (ws) => {
      broker.handleStream(createWebSocketStream(ws), request);
    });
  });
  return {
    close() {
      for (const ws of wss.clients) ws.terminate();
      wss.close();
    },
  };
}
