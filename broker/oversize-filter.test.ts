/**
 * The framing filter in front of aedes' parser: packets under the limit reach the parser byte for
 * byte, however the stream is cut into chunks; an oversized PUBLISH reaches it as the same PUBLISH
 * with an empty payload, its head reported; anything else oversized ends the connection.
 */
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { createOversizeFilter, type OversizedPublish } from './oversize-filter.js';

interface Packet {
  cmd: string;
  topic?: string;
  payload?: Buffer;
  messageId?: number;
  qos?: number;
  retain?: boolean;
  [k: string]: unknown;
}
const require = createRequire(import.meta.url);
// mqtt-packet (the parser aedes and mqtt.js use) has no type declarations
const mqttPacket = require('mqtt-packet') as {
  generate(packet: object, opts?: object): Buffer;
  parser(opts?: object): { on(ev: 'packet', fn: (p: Packet) => void): void; on(ev: 'error', fn: (e: Error) => void): void; parse(b: Buffer): number };
};

const LIMIT = 1000;
const HEAD = 64;
const connect = (protocolVersion = 4) =>
  mqttPacket.generate(
    { cmd: 'connect', protocolId: 'MQTT', protocolVersion, clientId: 'ST-1', clean: false, keepalive: 60, username: 'ST-1', password: Buffer.from('secret') },
    { protocolVersion },
  );
const publish = (payload: Buffer, messageId = 7, qos = 1) =>
  mqttPacket.generate({ cmd: 'publish', topic: 'stations/ST-1/readings', payload, qos, messageId, retain: false, dup: false });

/** Runs bytes through the filter in chunks of `size` and parses what comes out. */
function run(bytes: Buffer, size: number): { packets: Packet[]; cut: OversizedPublish[]; refused: number[]; closed: boolean } {
  const cut: OversizedPublish[] = [];
  const refused: number[] = [];
  const filter = createOversizeFilter({ maxPacketBytes: LIMIT, headBytes: HEAD, onPublish: (p) => cut.push(p), onRefuse: ({ cmd }) => refused.push(cmd) });
  const parser = mqttPacket.parser({ protocolVersion: 4 });
  const packets: Packet[] = [];
  parser.on('packet', (p) => packets.push(p));
  parser.on('error', (e) => {
    throw e;
  });
  for (let i = 0; i < bytes.length; i += size) {
    const passed = filter.push(bytes.subarray(i, i + size));
    if (passed === null) return { packets, cut, refused, closed: true };
    if (passed.length > 0) parser.parse(passed);
  }
  return { packets, cut, refused, closed: false };
}

const CHUNKS = [1, 2, 3, 7, 64, 999, 1_000_000];

describe('the oversize filter', () => {
  it('hands packets under the limit to the parser unchanged, whatever the chunking', () => {
    const small = Buffer.from(JSON.stringify({ ts: '2026-11-22T10:00:00+07:00', values: { pm25: 12.5 } }));
    const stream = Buffer.concat([connect(), publish(small, 1), publish(Buffer.alloc(LIMIT - 40, 0x61), 2), mqttPacket.generate({ cmd: 'pingreq' }), publish(small, 3, 0)]);
    for (const size of CHUNKS) {
      const { packets, cut, closed } = run(stream, size);
      expect(closed).toBe(false);
      expect(cut).toEqual([]);
      expect(packets.map((p) => p.cmd)).toEqual(['connect', 'publish', 'publish', 'pingreq', 'publish']);
      expect(packets[1]!.payload).toEqual(small);
      expect(packets[2]!.payload!.length).toBe(LIMIT - 40);
      expect(packets[4]).toMatchObject({ qos: 0, payload: small });
    }
  });

  it('cuts an oversized PUBLISH down to its topic and packet id, reports its head, and carries on', () => {
    const big = Buffer.alloc(300_000);
    for (let i = 0; i < big.length; i++) big[i] = 32 + (i % 90);
    const after = Buffer.from('{"ts":"2026-11-22T10:01:00+07:00","values":{"pm25":3}}');
    const stream = Buffer.concat([connect(), publish(big, 41, 1), publish(after, 42), publish(big, 43, 2)]);
    for (const size of CHUNKS) {
      const { packets, cut, closed } = run(stream, size);
      expect(closed).toBe(false);
      expect(packets.map((p) => p.cmd)).toEqual(['connect', 'publish', 'publish', 'publish']);
      expect(packets.slice(1).map((p) => [p.cmd, p.messageId, p.qos, p.payload?.length])).toEqual([
        ['publish', 41, 1, 0],
        ['publish', 42, 1, after.length],
        ['publish', 43, 2, 0],
      ]);
      expect(packets[1]!.topic).toBe('stations/ST-1/readings');
      expect(cut.map((c) => [c.topic, c.messageId, c.qos, c.payloadBytes])).toEqual([
        ['stations/ST-1/readings', 41, 1, 300_000],
        ['stations/ST-1/readings', 43, 2, 300_000],
      ]);
      expect(cut[0]!.head).toEqual(big.subarray(0, HEAD));
      expect(cut[0]!.packetBytes).toBe(publish(big, 41, 1).length);
    }
  });

  it('ends the connection on an oversized CONNECT, an oversized first packet, or MQTT 5', () => {
    const hugeConnect = Buffer.from([0x10, 0xff, 0xff, 0xff, 0x7f]);
    expect(run(hugeConnect, 2)).toMatchObject({ closed: true, refused: [1] });
    expect(run(publish(Buffer.alloc(5000)), 100)).toMatchObject({ closed: true, refused: [3] });
    const v5 = Buffer.concat([connect(5), mqttPacket.generate({ cmd: 'publish', topic: 't', payload: Buffer.alloc(5000), qos: 1, messageId: 1 }, { protocolVersion: 5 })]);
    expect(run(v5, 50)).toMatchObject({ closed: true, refused: [3] });
    const subscribe = mqttPacket.generate({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'x'.repeat(2000), qos: 1 }] });
    expect(run(Buffer.concat([connect(), subscribe]), 10)).toMatchObject({ closed: true, refused: [8] });
  });
});
