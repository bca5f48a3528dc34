/**
 * The live stream's frame cadence (api/realtime/frames.ts) on a real socket.io server and client:
 * a room's frame leaves at the next event-loop turn when its previous frame is at least `frameMs`
 * old (leading edge), readings queued within the gap go together in one frame when it has passed
 * (trailing edge), rooms do not wait for each other, alerts go with the periodic tick, and the
 * frame format is unchanged. The gaps
 * are read from an injected clock, so nothing here depends on how fast the machine is; negative
 * checks read the server's own frame counter, which moves synchronously with each emit.
 */
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Server } from 'socket.io';
import { io as connectSocket, type Socket } from 'socket.io-client';
import type { AcceptedReading } from '../domain/events.js';
import type { AlertsFrame, Kpi, ReadingsFrame } from '../domain/live.js';
import type { LiveStore } from '../api/realtime/live-state.js';
import { createFrameBatcher, type FrameBatcher } from '../api/realtime/frames.js';

const FRAME_MS = 250;
let http: HttpServer;
let io: Server;
let client: Socket;
let clock = 1_000_000;
let batcher: FrameBatcher;
const received: Array<{ event: string; frame: unknown }> = [];
const errors: unknown[] = [];

const kpi: Kpi = {
  stations: { total: 0, online: 0, stale: 0, offline: 0, connected: 0, reporting: 0 },
  firing: { info: 0, warning: 0, critical: 0 },
  completenessToday: null,
  readingsPerMinute: 0,
  readingsPerSecond: 0,
};
/** No stations: the overview is not what these tests follow. */
const state = { stations: () => [], kpi: () => kpi } as unknown as LiveStore;

const turn = () => new Promise<void>((r) => setImmediate(r));
const reading = (stationId: string, ts: number): AcceptedReading => ({ stationId, metric: 'pm25', ts, value: ts % 1000, quality: 'valid' });
async function frames(event: string, count: number): Promise<unknown[]> {
  while (received.filter((x) => x.event === event).length < count) await new Promise((r) => setTimeout(r, 5));
  return received.filter((x) => x.event === event).map((x) => x.frame);
}

beforeAll(async () => {
  http = createServer();
  io = new Server(http, { path: '/socket.io/', serveClient: false });
  io.on('connection', (socket) => void socket.join(['station:A', 'station:B', 'alerts']));
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  const joined = new Promise<void>((r) => io.once('connection', () => setImmediate(r)));
  client = connectSocket(`http://127.0.0.1:${(http.address() as AddressInfo).port}`, { path: '/socket.io/', transports: ['websocket'], reconnection: false, forceNew: true });
  for (const event of ['readings', 'alerts', 'overview']) client.on(event, (frame: unknown) => received.push({ event, frame }));
  await joined;
  batcher = createFrameBatcher({
    io,
    state,
    now: () => clock,
    roomSize: (room) => io.sockets.adapter.rooms.get(room)?.size ?? 0,
    frameMs: FRAME_MS,
    onError: (err) => errors.push(err),
    clock: () => clock,
  });
});
afterAll(async () => {
  batcher?.close();
  client?.close();
  await io?.close();
});

describe('live frames', () => {
  it('sends a quiet room its readings at once, holds a busy one to one frame per frameMs, and never makes one room wait for another', async () => {
    batcher.queueReadings([reading('A', 1000), reading('C', 1000)]); // nobody follows station C
    batcher.queueReadings([reading('A', 2000)]);
    expect(batcher.framesSent.readings).toBe(0);
    await turn();
    // one frame for the readings of the same event-loop turn, without any clock tick
    expect(batcher.framesSent.readings).toBe(1);
    expect(await frames('readings', 1)).toEqual([
      {
        station: 'A',
        readings: [
          { metric: 'pm25', ts: 1000, value: 0, quality: 'valid' },
          { metric: 'pm25', ts: 2000, value: 0, quality: 'valid' },
        ],
      } satisfies ReadingsFrame,
    ]);

    // within the gap: A waits, B (no recent frame) goes at once
    clock += FRAME_MS - 1;
    batcher.queueReadings([reading('A', 3000)]);
    await turn();
    batcher.queueReadings([reading('A', 4000), reading('B', 4000)]);
    await turn();
    expect(batcher.framesSent.readings).toBe(2);
    batcher.tick();
    expect(batcher.framesSent.readings).toBe(2);
    expect(((await frames('readings', 2))[1] as ReadingsFrame).station).toBe('B');

    // the gap has passed: everything A queued meanwhile, in one frame
    clock += 1;
    batcher.tick();
    expect(batcher.framesSent.readings).toBe(3);
    const third = (await frames('readings', 3))[2] as ReadingsFrame;
    expect(third).toEqual({ station: 'A', readings: [reading('A', 3000), reading('A', 4000)].map(({ metric, ts, value, quality }) => ({ metric, ts, value, quality })) });
    expect(errors).toEqual([]);
  });

  it('sends alerts with the next tick (beside the overview that counts them), each alert once with its last transition', async () => {
    const entry = (id: number, transition: string) => ({ alert: { id } as unknown as AlertsFrame['alerts'][number]['alert'], transition, notify: true });
    batcher.queueAlert(entry(1, 'pending'));
    batcher.queueAlert(entry(1, 'firing'));
    batcher.queueAlert(entry(2, 'pending'));
    await turn();
    expect(batcher.framesSent.alerts).toBe(0);
    batcher.tick();
    expect(batcher.framesSent.alerts).toBe(1);
    expect(await frames('alerts', 1)).toEqual([{ alerts: [entry(1, 'firing'), entry(2, 'pending')] }]);
    batcher.tick();
    expect(batcher.framesSent.alerts).toBe(1);
  });

  it('sends nothing once closed', async () => {
    clock += 10 * FRAME_MS;
    batcher.queueReadings([reading('B', 9000)]);
    const before = batcher.framesSent.readings;
    batcher.close();
    await turn();
    batcher.queueReadings([reading('B', 9001)]);
    await turn();
    expect(batcher.framesSent.readings).toBe(before);
  });
});
