/**
 * Cost of the MQTT framing filter (broker/oversize-filter.ts) that every client's bytes pass
 * through before aedes' parser: frames a stream of typical readings publishes (one station's
 * QoS 1 messages of 10 metrics) cut into 16 KiB socket reads, on one thread, and prints
 * publishes per second. `npx tsx bench/oversize-filter.ts`
 */
import { createOversizeFilter } from '../broker/oversize-filter.js';

function publish(topic: string, payload: Buffer, messageId: number): Buffer {
  const t = Buffer.from(topic);
  const length = 2 + t.length + 2 + payload.length;
  const header = [0x32];
  let n = length;
  do {
    let b = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) b |= 0x80;
    header.push(b);
  } while (n > 0);
  const id = Buffer.from([messageId >> 8, messageId & 0xff]);
  return Buffer.concat([Buffer.from(header), Buffer.from([t.length >> 8, t.length & 0xff]), t, id, payload]);
}

const values = Object.fromEntries(['pm25', 'pm10', 'tsp', 'so2', 'no2', 'co', 'o3', 'temp', 'rh', 'pressure'].map((k, i) => [k, 10 + i * 1.5]));
const payload = Buffer.from(JSON.stringify({ ts: '2026-11-22T10:00:00+07:00', values }));
const connect = Buffer.from([0x10, 0x0e, 0x00, 0x04, 0x4d, 0x51, 0x54, 0x54, 0x04, 0x02, 0x00, 0x3c, 0x00, 0x02, 0x53, 0x31]);
const PER_STREAM = 20_000;
const stream = Buffer.concat([connect, ...Array.from({ length: PER_STREAM }, (_, i) => publish('stations/HN-AQ-01/readings', payload, (i % 65_535) + 1))]);
const CHUNK = 16 * 1024;

let packets = 0;
const rounds = 25;
const t0 = process.hrtime.bigint();
for (let r = 0; r < rounds; r++) {
  const filter = createOversizeFilter({ maxPacketBytes: 1_048_576 + 65_536, headBytes: 4096, onPublish: () => undefined, onRefuse: () => undefined });
  for (let i = 0; i < stream.length; i += CHUNK) {
    const out = filter.push(stream.subarray(i, i + CHUNK));
    if (out === null) throw new Error('refused');
  }
  packets += PER_STREAM;
}
const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
console.log(
  `framing filter: ${Math.round(packets / seconds).toLocaleString('en-US')} publishes/s (${payload.length}-byte payloads, ${Math.round((stream.length * rounds) / seconds / 1048576)} MiB/s, 16 KiB reads, one thread)`,
);
