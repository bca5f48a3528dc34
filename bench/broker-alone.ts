/**
 * A bare Aedes broker (in-memory, no hooks: no authentication, no ingest) in its own process, for
 * the "broker alone" stage of bench/suite.ts. Sends { type: 'ready', port } over IPC and closes
 * on { type: 'stop' }. Same socket options as Quantrac's broker (TCP_NODELAY).
 */
import { createServer } from 'node:net';
import { Aedes } from 'aedes';

const aedes = await Aedes.createBroker({ concurrency: 1000 });
const server = createServer((socket) => {
  socket.setNoDelay(true);
  aedes.handle(socket);
});
await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
process.send?.({ type: 'ready', port: (server.address() as { port: number }).port });
process.on('message', (m: { type?: string }) => {
  if (m.type !== 'stop') return;
  aedes.close(() => server.close(() => process.disconnect?.()));
});
