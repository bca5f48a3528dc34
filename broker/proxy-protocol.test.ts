/**
 * The PROXY protocol parser (broker/proxy-protocol.ts): v1 TCP4/TCP6/UNKNOWN, v2 TCP4/TCP6/LOCAL
 * (with TLVs), headers split across chunks at every byte, garbage and oversized headers refused,
 * the client's first bytes after the header left for MQTT; and the trust list of TRUSTED_PROXIES.
 */
import { describe, expect, it } from 'vitest';
import { configFromEnv, resolveConfig } from '../config/index.js';
import { forwardedAddress, trustedProxies } from './client-address.js';
import { formatIPv6, looksLikeProxyHeader, MAX_V1_BYTES, parseProxyHeader, type ProxyParse } from './proxy-protocol.js';
import type { IncomingMessage } from 'node:http';

const SIG = Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a]);
/** An MQTT CONNECT's first bytes: what follows the header on a real connection. */
const MQTT = Buffer.from([0x10, 0x12, 0x00, 0x04, 0x4d, 0x51, 0x54, 0x54]);

function v2(command: number, famProto: number, body: Buffer): Buffer {
  const fixed = Buffer.alloc(4);
  fixed[0] = 0x20 | command;
  fixed[1] = famProto;
  fixed.writeUInt16BE(body.length, 2);
  return Buffer.concat([SIG, fixed, body]);
}

function v2Tcp4(src: number[], dst: number[], sport: number, dport: number, tlvs = Buffer.alloc(0)): Buffer {
  const body = Buffer.alloc(12);
  Buffer.from(src).copy(body, 0);
  Buffer.from(dst).copy(body, 4);
  body.writeUInt16BE(sport, 8);
  body.writeUInt16BE(dport, 10);
  return v2(1, 0x11, Buffer.concat([body, tlvs]));
}

function done(result: ProxyParse) {
  expect(result.status).toBe('done');
  return result as Extract<ProxyParse, { status: 'done' }>;
}

describe('PROXY protocol v1', () => {
  it('TCP4: the source address and port, and the header length (the MQTT bytes after it are not consumed)', () => {
    const header = Buffer.from('PROXY TCP4 203.0.113.7 10.0.0.2 51234 1883\r\n');
    const r = done(parseProxyHeader(Buffer.concat([header, MQTT])));
    expect(r.length).toBe(header.length);
    expect(r.header).toEqual({ version: 1, command: 'proxy', family: 'tcp4', source: { address: '203.0.113.7', port: 51234 }, destination: { address: '10.0.0.2', port: 1883 } });
  });

  it('TCP6: addresses in the form Node gives socket.remoteAddress', () => {
    const r = done(parseProxyHeader(Buffer.from('PROXY TCP6 2001:DB8:0:0:0:0:0:7 2001:db8::1 40000 1883\r\n')));
    expect(r.header.family).toBe('tcp6');
    expect(r.header.source).toEqual({ address: '2001:db8::7', port: 40000 });
    expect(formatIPv6('::FFFF:192.0.2.1')).toBe('::ffff:192.0.2.1');
    expect(formatIPv6('1:0:0:2:0:0:0:3')).toBe('1:0:0:2::3');
  });

  it('UNKNOWN: no address (the socket’s own applies)', () => {
    const r = done(parseProxyHeader(Buffer.from('PROXY UNKNOWN\r\n')));
    expect(r.header).toEqual({ version: 1, command: 'local', family: 'unknown' });
    expect(done(parseProxyHeader(Buffer.from('PROXY UNKNOWN ffff:f...f:ffff 1.2.3.4 65535 65535\r\n'))).header.source).toBeUndefined();
  });

  it('refuses malformed lines', () => {
    for (const line of [
      'PROXY TCP4 203.0.113.7 10.0.0.2 51234\r\n',
      'PROXY TCP4 ::1 10.0.0.2 1 2\r\n',
      'PROXY TCP6 1.2.3.4 ::1 1 2\r\n',
      'PROXY TCP4 1.2.3.4 5.6.7.8 65536 1\r\n',
      'PROXY TCP4 1.2.3.4 5.6.7.8 01 1\r\n',
      'PROXY UDP4 1.2.3.4 5.6.7.8 1 2\r\n',
      'PROXY  TCP4 1.2.3.4 5.6.7.8 1 2\r\n',
    ]) {
      expect(parseProxyHeader(Buffer.from(line)).status, line).toBe('invalid');
    }
  });

  it('is bounded: no CRLF within 107 bytes is refused', () => {
    expect(parseProxyHeader(Buffer.from('PROXY TCP4 ' + '1'.repeat(80))).status).toBe('incomplete');
    expect(parseProxyHeader(Buffer.from('PROXY TCP4 ' + '1'.repeat(MAX_V1_BYTES))).status).toBe('invalid');
    expect(parseProxyHeader(Buffer.from('PROXY UNKNOWN ' + 'x'.repeat(100) + '\r\n')).status).toBe('invalid');
  });
});

describe('PROXY protocol v2', () => {
  it('TCP4 (TLVs skipped)', () => {
    const tlv = Buffer.from([0x05, 0x00, 0x03, 0x61, 0x62, 0x63]); // PP2_TYPE_UNIQUE_ID "abc"
    const header = v2Tcp4([198, 51, 100, 23], [10, 0, 0, 2], 40001, 1883, tlv);
    const r = done(parseProxyHeader(Buffer.concat([header, MQTT])));
    expect(r.length).toBe(header.length);
    expect(r.header).toEqual({ version: 2, command: 'proxy', family: 'tcp4', source: { address: '198.51.100.23', port: 40001 }, destination: { address: '10.0.0.2', port: 1883 } });
  });

  it('TCP6, IPv4-mapped as Node spells it', () => {
    const body = Buffer.alloc(36);
    Buffer.from('20010db8000000000000000000000007', 'hex').copy(body, 0);
    Buffer.from('00000000000000000000ffffc0000201', 'hex').copy(body, 16);
    body.writeUInt16BE(5555, 32);
    body.writeUInt16BE(1883, 34);
    const r = done(parseProxyHeader(v2(1, 0x21, body)));
    expect(r.header).toMatchObject({ family: 'tcp6', source: { address: '2001:db8::7', port: 5555 }, destination: { address: '::ffff:192.0.2.1', port: 1883 } });
  });

  it('LOCAL (a health check of the balancer itself): no address; UNSPEC likewise', () => {
    expect(done(parseProxyHeader(v2(0, 0x00, Buffer.alloc(0)))).header).toEqual({ version: 2, command: 'local', family: 'unknown' });
    expect(done(parseProxyHeader(v2(0, 0x11, Buffer.alloc(12)))).header.source).toBeUndefined();
    expect(done(parseProxyHeader(v2(1, 0x00, Buffer.alloc(0)))).header).toEqual({ version: 2, command: 'proxy', family: 'unknown' });
  });

  it('refuses a wrong version or command, an undefined family, addresses cut short, and a header over the bound', () => {
    const good = v2Tcp4([1, 2, 3, 4], [5, 6, 7, 8], 1, 2);
    const wrongVersion = Buffer.from(good);
    wrongVersion[12] = 0x11;
    const wrongCommand = Buffer.from(good);
    wrongCommand[12] = 0x22;
    const wrongFamily = Buffer.from(good);
    wrongFamily[13] = 0x41;
    for (const bad of [wrongVersion, wrongCommand, wrongFamily, v2(1, 0x11, Buffer.alloc(8)), v2(1, 0x21, Buffer.alloc(12))]) expect(parseProxyHeader(bad).status).toBe('invalid');
    const big = v2(1, 0x11, Buffer.alloc(3000));
    expect(parseProxyHeader(big.subarray(0, 16))).toMatchObject({ status: 'invalid', reason: expect.stringMatching(/bound/) });
    expect(done(parseProxyHeader(big, { maxV2Bytes: 4096 })).length).toBe(3016);
  });
});

describe('partial chunks and garbage', () => {
  it('every prefix of a header is incomplete, the whole is done (v1 and v2)', () => {
    for (const header of [Buffer.from('PROXY TCP4 203.0.113.7 10.0.0.2 51234 1883\r\n'), v2Tcp4([198, 51, 100, 23], [10, 0, 0, 2], 40001, 1883)]) {
      for (let n = 1; n < header.length; n++) expect(parseProxyHeader(header.subarray(0, n)).status, `${n} bytes`).toBe('incomplete');
      expect(done(parseProxyHeader(header)).length).toBe(header.length);
    }
  });

  it('anything else is refused at once: an MQTT CONNECT, HTTP, a near-miss of either signature', () => {
    expect(parseProxyHeader(Buffer.alloc(0)).status).toBe('incomplete');
    for (const bad of [MQTT, Buffer.from('GET / HTTP/1.1\r\n'), Buffer.from('PROXZ'), Buffer.from('proxy TCP4'), Buffer.concat([SIG.subarray(0, 6), Buffer.from('X')])]) {
      expect(parseProxyHeader(bad).status).toBe('invalid');
    }
    expect(looksLikeProxyHeader(Buffer.from('P'))).toBe(true);
    expect(looksLikeProxyHeader(SIG.subarray(0, 1))).toBe(true);
    expect(looksLikeProxyHeader(MQTT)).toBe(false);
    expect(looksLikeProxyHeader(Buffer.alloc(0))).toBe(false);
  });
});

describe('TRUSTED_PROXIES', () => {
  it('matches addresses and CIDR ranges, IPv4 also in its IPv4-mapped form; empty trusts nobody', () => {
    const trusted = trustedProxies(['172.28.0.10', '10.1.0.0/16', 'fd00::/8']);
    expect(['172.28.0.10', '::ffff:172.28.0.10', '10.1.255.3', 'fd12::1'].map(trusted)).toEqual([true, true, true, true]);
    expect(['172.28.0.11', '10.2.0.1', '::1', undefined, 'not-an-ip'].map(trusted)).toEqual([false, false, false, false, false]);
    expect(trustedProxies([])('127.0.0.1')).toBe(false);
  });

  it('is read from the environment as a list and checked by the config schema', () => {
    const config = configFromEnv({ TRUSTED_PROXIES: '172.28.0.10, 10.0.0.0/8,fd00::/8', MQTT_PROXY_PROTOCOL: 'true' });
    expect(config.trustedProxies).toEqual(['172.28.0.10', '10.0.0.0/8', 'fd00::/8']);
    expect(config.mqtt.proxyProtocol).toBe(true);
    expect(resolveConfig({}).trustedProxies).toEqual([]);
    expect(() => configFromEnv({ TRUSTED_PROXIES: 'balancer.local' })).toThrow(/trustedProxies\.0|TRUSTED_PROXIES/);
    expect(() => configFromEnv({ TRUSTED_PROXIES: '10.0.0.0/33' })).toThrow(/trustedProxies\.0|TRUSTED_PROXIES/);
  });

  it('names an entry that is no address or range', () => {
    for (const bad of ['localhost', '10.0.0.0/33', '::1/129', '1.2.3.4/8/8', '1.2.3'])
      expect(() => trustedProxies([bad]), bad).toThrow(/TRUSTED_PROXIES: ".*" is not an IP address or CIDR range/);
  });

  it('X-Forwarded-For is read leftwards from the peer while the hops are trusted', () => {
    const trusted = trustedProxies(['127.0.0.1', '10.0.0.0/8']);
    const req = (peer: string, xff?: string) => ({ socket: { remoteAddress: peer }, headers: xff === undefined ? {} : { 'x-forwarded-for': xff } }) as unknown as IncomingMessage;
    expect(forwardedAddress(req('127.0.0.1', '203.0.113.7'), trusted)).toBe('203.0.113.7');
    expect(forwardedAddress(req('127.0.0.1', '6.6.6.6, 203.0.113.7, 10.0.0.5'), trusted)).toBe('203.0.113.7');
    expect(forwardedAddress(req('127.0.0.1'), trusted)).toBe('127.0.0.1');
    expect(forwardedAddress(req('127.0.0.1', 'garbage'), trusted)).toBe('127.0.0.1');
    expect(forwardedAddress(req('192.0.2.9', '203.0.113.7'), trusted)).toBe('192.0.2.9'); // an untrusted peer's header is ignored
  });
});
