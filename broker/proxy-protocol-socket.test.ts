/**
 * The PROXY protocol at a real TCP socket (broker/proxy-protocol-socket.ts), on loopback port 0:
 * a trusted proxy's header sent a byte at a time gives the client's address and leaves the
 * client's bytes on the socket; a trusted proxy without a header, an untrusted address with one,
 * and a proxy that never finishes its header are refused; other clients pass unchanged; a
 * connection closed before any byte (a TCP health check) is closed quietly.
 */
import { connect, createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { trustedProxies } from './client-address.js';
import { acceptProxyProtocol } from './proxy-protocol-socket.js';

type Outcome = { accepted: string; data: string } | { refused: string } | { closed: true };

let server: Server | undefined;
afterEach(async () => {
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  server = undefined;
});

/** A server running acceptProxyProtocol (127.0.0.1 trusted); resolves the outcome of the first connection. */
async function listen(timeoutMs = 2000): Promise<{ port: number; outcome: Promise<Outcome> }> {
  let report!: (o: Outcome) => void;
  const outcome = new Promise<Outcome>((r) => (report = r));
  server = createServer((socket: Socket) => {
    socket.on('close', () => report({ closed: true }));
    acceptProxyProtocol(socket, {
      isTrustedProxy: trustedProxies(['127.0.0.1']),
      timeoutMs,
      accept(s, source) {
        let data = '';
        s.on('readable', () => {
          let c: Buffer | null;
          while ((c = s.read() as Buffer | null) !== null) data += c.toString('latin1');
          if (data.endsWith('END')) report({ accepted: source, data });
        });
      },
      refuse: (_peer, reason) => report({ refused: reason }),
    });
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', () => r()));
  return { port: (server!.address() as AddressInfo).port, outcome };
}

function client(port: number, localAddress: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ port, host: '127.0.0.1', localAddress }, () => resolve(s));
    s.on('error', reject);
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('acceptProxyProtocol', () => {
  it('a trusted proxy: the header (here a byte at a time) names the client; the bytes after it stay for MQTT', async () => {
    const { port, outcome } = await listen();
    const s = await client(port, '127.0.0.1');
    s.setNoDelay(true);
    const bytes = Buffer.from('PROXY TCP4 198.51.100.23 127.0.0.1 40000 1883\r\n\x10hello END');
    for (const b of bytes.subarray(0, 20)) {
      s.write(Buffer.from([b]));
      await sleep(2);
    }
    s.write(bytes.subarray(20));
    expect(await outcome).toEqual({ accepted: '198.51.100.23', data: '\x10hello END' });
    s.destroy();
  });

  it('a trusted proxy without a header is refused', async () => {
    const { port, outcome } = await listen();
    const s = await client(port, '127.0.0.1');
    s.write(Buffer.from([0x10, 0x12, 0x00, 0x04]));
    expect(await outcome).toEqual({ refused: expect.stringMatching(/trusted proxy without a valid PROXY protocol header/) });
    s.destroy();
  });

  it('a trusted proxy that never finishes its header is refused after the timeout', async () => {
    const { port, outcome } = await listen(200);
    const s = await client(port, '127.0.0.1');
    s.write('PROXY TCP4 198.51');
    expect(await outcome).toEqual({ refused: expect.stringMatching(/no PROXY protocol header within 200 ms/) });
    s.destroy();
  });

  it('a PROXY header from an untrusted address is refused; its other clients pass as they are', async () => {
    const first = await listen();
    const spoof = await client(first.port, '127.0.0.2');
    spoof.write('PROXY TCP4 10.9.9.9 127.0.0.1 1 1883\r\n');
    expect(await first.outcome).toEqual({ refused: expect.stringMatching(/not a trusted proxy/) });
    spoof.destroy();
    await new Promise<void>((r) => server!.close(() => r()));

    const second = await listen();
    const plain = await client(second.port, '127.0.0.2');
    plain.write('\x10plain END');
    expect(await second.outcome).toEqual({ accepted: '127.0.0.2', data: '\x10plain END' });
    plain.destroy();
  });

  it('a connection closed before any byte (a TCP health check) is closed without a refusal', async () => {
    const { port, outcome } = await listen();
    const s = await client(port, '127.0.0.1');
    s.end();
    expect(await outcome).toEqual({ closed: true });
  });
});
