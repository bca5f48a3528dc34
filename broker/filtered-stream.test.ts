/**
 * The filtered stream aedes reads a client through: reads pass the filter, writes reach the
 * socket, a null from the filter closes the connection, and a reader that stops reading stops
 * the socket being read (flow control). Also end to end with a real Aedes broker and mqtt client.
 */
import { createServer, type AddressInfo, type Server } from 'node:net';
import { Duplex } from 'node:stream';
import { Aedes } from 'aedes';
import mqtt from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { FilteredStream } from './filtered-stream.js';

/** An in-memory "socket": what the test pushes is what the client sent; writes are collected. */
function fakeSocket(): { socket: Duplex; written: Buffer[] } {
  const written: Buffer[] = [];
  const socket = new Duplex({
    read() {},
    write(chunk: Buffer, _enc, cb) {
      written.push(chunk);
      cb();
    },
  });
  return { socket, written };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('FilteredStream', () => {
  it('reads through the filter, writes straight through, and keeps the peer address', async () => {
    const { socket, written } = fakeSocket();
    const framed = new FilteredStream(socket, (chunk) => Buffer.from(chunk.toString().toUpperCase()), '10.0.0.7');
    expect(framed.remoteAddress).toBe('10.0.0.7');
    const got: string[] = [];
    framed.on('data', (c: Buffer) => got.push(c.toString()));
    socket.push('abc');
    socket.push('def');
    await tick();
    expect(got.join('')).toBe('ABCDEF');
    framed.cork();
    framed.write(Buffer.from([0x40, 0x02]));
    framed.write(Buffer.from([0x00, 0x01]));
    process.nextTick(() => framed.uncork());
    await tick();
    expect(Buffer.concat(written)).toEqual(Buffer.from([0x40, 0x02, 0x00, 0x01]));
  });

  it('closes the connection when the filter returns null, and passes nothing of that chunk', async () => {
    const { socket } = fakeSocket();
    const framed = new FilteredStream(socket, (chunk) => (chunk.includes(0x21) ? null : chunk));
    const got: string[] = [];
    framed.on('data', (c: Buffer) => got.push(c.toString()));
    socket.push('ok');
    await tick();
    socket.push('no!');
    await new Promise((resolve) => framed.once('close', resolve));
    expect(got).toEqual(['ok']);
    expect(socket.destroyed).toBe(true);
  });

  it('stops reading the socket while nobody reads the stream (flow control)', async () => {
    // a peer with 100 chunks to send; the socket reads one from the kernel each time it is asked
    const CHUNKS = 100;
    let reads = 0;
    const socket = new Duplex({
      read() {
        if (reads++ < CHUNKS) this.push(Buffer.alloc(8 * 1024));
      },
      write(_chunk, _enc, cb) {
        cb();
      },
    });
    const framed = new FilteredStream(socket, (chunk) => chunk);
    framed.read(0); // asked once, then nobody reads (aedes busy with the previous packets)
    for (let i = 0; i < 10; i++) await tick();
    const held = reads;
    expect(held).toBeLessThan(CHUNKS / 2); // the rest waits in the kernel: TCP slows the peer down
    for (let i = 0; i < 10; i++) await tick();
    expect(reads).toBe(held);
    let total = 0;
    framed.on('data', (c: Buffer) => (total += c.length));
    for (let i = 0; i < 200 && total < CHUNKS * 8 * 1024; i++) await tick();
    expect(total).toBe(CHUNKS * 8 * 1024);
  });
});

describe('a real broker behind FilteredStream', () => {
  let server: Server | undefined;
  let broker: Aedes | undefined;
  afterEach(async () => {
    await new Promise<void>((resolve) => (broker ? broker.close(() => resolve()) : resolve()));
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  });

  it('connects, acknowledges QoS 1 publishes and delivers to subscribers', async () => {
    broker = await Aedes.createBroker();
    const b = broker;
    const conns: unknown[] = [];
    b.on('client', (c) => conns.push(c.conn));
    server = createServer((socket) => b.handle(new FilteredStream(socket, (chunk) => chunk)));
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', () => resolve()));
    const { port } = server.address() as AddressInfo;
    const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, { clientId: 'FS-1', reconnectPeriod: 0 });
    const received = new Promise<string>((resolve) => client.once('message', (_t, payload) => resolve(payload.toString())));
    await client.subscribeAsync('t/1', { qos: 1 });
    for (let i = 0; i < 50; i++) await client.publishAsync('t/0', Buffer.alloc(2000, i), { qos: 1 });
    await client.publishAsync('t/1', 'hello', { qos: 1 });
    expect(await received).toBe('hello');
    expect(conns).toHaveLength(1);
    expect(conns[0]).toBeInstanceOf(FilteredStream);
    await client.endAsync();
  });
});
