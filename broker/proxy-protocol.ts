/**
 * @module broker/proxy-protocol
 * A parser of the PROXY protocol header (HAProxy's spec, versions 1 and 2) that a TCP load balancer
 * sends at the start of a connection to tell the server whom it relays: without it, every MQTT
 * client behind the balancer would be the balancer (one address for the login guard, the station
 * limits and the audit log). Pure: it looks at the bytes received so far and says whether the
 * header is complete, incomplete (wait for more), or invalid (close the connection). It is applied
 * only to connections from trusted proxies (broker/proxy-protocol-socket.ts).
 *
 * Supported: v1 `TCP4`, `TCP6` and `UNKNOWN`; v2 `PROXY` over TCP/UDP on IPv4/IPv6 and `LOCAL`
 * (a connection the proxy made itself, e.g. a health check: the socket's own address applies), and
 * v2 `UNSPEC`/UNIX families (no usable address: the socket's own applies). v2 TLVs are skipped.
 * The header is bounded: 107 bytes for v1 (the spec's maximum), `maxV2Bytes` for v2.
 */
import { isIPv4, isIPv6 } from 'node:net';

/** The v1 header's longest form, CRLF included (spec section 2.1). */
export const MAX_V1_BYTES = 107;
/** Default bound of a whole v2 header (16 bytes + addresses + TLVs): room for AWS/GCP TLVs, far below the 64 KiB the length field allows. */
export const DEFAULT_MAX_V2_BYTES = 2048;

const V1_PREFIX = Buffer.from('PROXY ', 'latin1');
const V2_SIGNATURE = Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a]);
const V2_FIXED_BYTES = 16;

/** An endpoint the balancer reports. */
export interface ProxyEndpoint {
  address: string;
  port: number;
}

/** What a complete header says. `source` is absent when the socket's own address applies (v1 UNKNOWN, v2 LOCAL or no address family). */
export interface ProxyHeader {
  version: 1 | 2;
  /** `proxy`: relayed for `source`; `local`: the proxy's own connection (v2 LOCAL, v1 UNKNOWN). */
  command: 'proxy' | 'local';
  family: 'tcp4' | 'tcp6' | 'udp4' | 'udp6' | 'unix' | 'unknown';
  source?: ProxyEndpoint;
  destination?: ProxyEndpoint;
}

export type ProxyParse =
  /** The bytes so far are a valid beginning: wait for more. */
  | { status: 'incomplete' }
  /** A whole header: it is `length` bytes long; what follows is the client's own data. */
  | { status: 'done'; header: ProxyHeader; length: number }
  /** Not a PROXY header, or a broken or oversized one: close the connection. */
  | { status: 'invalid'; reason: string };

export interface ProxyParseOptions {
  /** Largest v2 header accepted (default DEFAULT_MAX_V2_BYTES). */
  maxV2Bytes?: number;
}

const INCOMPLETE: ProxyParse = { status: 'incomplete' };
const invalid = (reason: string): ProxyParse => ({ status: 'invalid', reason });

/** Whether `buf` begins like `prefix` as far as both go (so a partial buffer can still match). */
function startsLike(buf: Buffer, prefix: Buffer): boolean {
  const n = Math.min(buf.length, prefix.length);
  return buf.subarray(0, n).equals(prefix.subarray(0, n));
}

/** Whether the first bytes of a connection look like the start of a PROXY header (v1 or v2); false for an empty buffer. */
export function looksLikeProxyHeader(buf: Buffer): boolean {
  return buf.length > 0 && (startsLike(buf, V1_PREFIX) || startsLike(buf, V2_SIGNATURE));
}

/**
 * Parses the PROXY header at the start of `buf` (the bytes a connection has sent so far).
 * @example parseProxyHeader(Buffer.from('PROXY TCP4 203.0.113.7 10.0.0.1 51234 1883\r\n')) // done, source 203.0.113.7:51234
 */
export function parseProxyHeader(buf: Buffer, { maxV2Bytes = DEFAULT_MAX_V2_BYTES }: ProxyParseOptions = {}): ProxyParse {
  if (buf.length === 0) return INCOMPLETE;
  if (startsLike(buf, V1_PREFIX)) return parseV1(buf);
  if (startsLike(buf, V2_SIGNATURE)) return parseV2(buf, maxV2Bytes);
  return invalid('no PROXY protocol header');
}

/** A decimal port 0–65535 without sign or leading zeros. */
function port(text: string | undefined): number | undefined {
  if (text === undefined || !/^(0|[1-9][0-9]{0,4})$/.test(text)) return undefined;
  const n = Number(text);
  return n <= 65_535 ? n : undefined;
}

function parseV1(buf: Buffer): ProxyParse {
  const end = buf.indexOf('\r\n', 0, 'latin1');
  if (end < 0) return buf.length >= MAX_V1_BYTES ? invalid('v1 header longer than 107 bytes') : INCOMPLETE;
  const length = end + 2;
  if (length > MAX_V1_BYTES) return invalid('v1 header longer than 107 bytes');
  const line = buf.toString('latin1', 0, end);
  const parts = line.split(' ');
  const proto = parts[1];
  if (proto === 'UNKNOWN') return { status: 'done', header: { version: 1, command: 'local', family: 'unknown' }, length };
  if (proto !== 'TCP4' && proto !== 'TCP6') return invalid(`v1 protocol "${proto ?? ''}" is not TCP4, TCP6 or UNKNOWN`);
  if (parts.length !== 6) return invalid('v1 header does not have 6 fields');
  const [, , src, dst, sport, dport] = parts as [string, string, string, string, string, string];
  const isFamily = proto === 'TCP4' ? isIPv4 : isIPv6;
  if (!isFamily(src) || !isFamily(dst)) return invalid(`v1 ${proto} address is not an ${proto === 'TCP4' ? 'IPv4' : 'IPv6'} address`);
  const sp = port(sport);
  const dp = port(dport);
  if (sp === undefined || dp === undefined) return invalid('v1 port is not 0–65535');
  const family = proto === 'TCP4' ? 'tcp4' : 'tcp6';
  const norm = family === 'tcp6' ? formatIPv6 : (a: string) => a;
  return { status: 'done', header: { version: 1, command: 'proxy', family, source: { address: norm(src), port: sp }, destination: { address: norm(dst), port: dp } }, length };
}

function parseV2(buf: Buffer, maxV2Bytes: number): ProxyParse {
  if (buf.length < V2_FIXED_BYTES) return INCOMPLETE;
  const verCmd = buf[12]!;
  if (verCmd >> 4 !== 2) return invalid(`v2 version ${verCmd >> 4} is not 2`);
  const cmd = verCmd & 0x0f;
  if (cmd !== 0 && cmd !== 1) return invalid(`v2 command ${cmd} is not LOCAL or PROXY`);
  const famProto = buf[13]!;
  const declared = buf.readUInt16BE(14);
  const length = V2_FIXED_BYTES + declared;
  if (length > maxV2Bytes) return invalid(`v2 header of ${length} bytes is over the ${maxV2Bytes}-byte bound`);
  if (buf.length < length) return INCOMPLETE;
  const body = buf.subarray(V2_FIXED_BYTES, length);
  if (cmd === 0) return { status: 'done', header: { version: 2, command: 'local', family: 'unknown' }, length };
  const af = famProto >> 4;
  const transport = famProto & 0x0f;
  if (af > 3 || transport > 2) return invalid(`v2 address family/protocol 0x${famProto.toString(16)} is not defined`);
  if (af === 0 || transport === 0) return { status: 'done', header: { version: 2, command: 'proxy', family: 'unknown' }, length };
  if (af === 3) {
    if (body.length < 216) return invalid('v2 UNIX addresses shorter than 216 bytes');
    return { status: 'done', header: { version: 2, command: 'proxy', family: 'unix' }, length };
  }
  const tcp = transport === 1;
  if (af === 1) {
    if (body.length < 12) return invalid('v2 IPv4 addresses shorter than 12 bytes');
    const source = { address: [...body.subarray(0, 4)].join('.'), port: body.readUInt16BE(8) };
    const destination = { address: [...body.subarray(4, 8)].join('.'), port: body.readUInt16BE(10) };
    return { status: 'done', header: { version: 2, command: 'proxy', family: tcp ? 'tcp4' : 'udp4', source, destination }, length };
  }
  if (body.length < 36) return invalid('v2 IPv6 addresses shorter than 36 bytes');
  const source = { address: ipv6FromBytes(body.subarray(0, 16)), port: body.readUInt16BE(32) };
  const destination = { address: ipv6FromBytes(body.subarray(16, 32)), port: body.readUInt16BE(34) };
  return { status: 'done', header: { version: 2, command: 'proxy', family: tcp ? 'tcp6' : 'udp6', source, destination }, length };
}

/** 16 bytes as an IPv6 address in the form Node gives `socket.remoteAddress` (RFC 5952; IPv4-mapped as `::ffff:a.b.c.d`). */
export function ipv6FromBytes(bytes: Buffer): string {
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(bytes.readUInt16BE(i));
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) return `::ffff:${[...bytes.subarray(12, 16)].join('.')}`;
  // the longest run of at least two zero groups becomes "::" (the first of equal runs)
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best < 0) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
}

/** Parses IPv6 text (already checked with isIPv6) into 16 bytes. */
function ipv6ToBytes(text: string): Buffer {
  const out = Buffer.alloc(16);
  let s = text;
  // a dotted IPv4 tail (::ffff:1.2.3.4) becomes two hex groups
  const dot = s.lastIndexOf(':');
  const tail = s.slice(dot + 1);
  if (tail.includes('.')) {
    const [a, b, c, d] = tail.split('.').map(Number) as [number, number, number, number];
    s = `${s.slice(0, dot + 1)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, rest] = s.split('::') as [string, string | undefined];
  const left = head ? head.split(':') : [];
  const right = rest ? rest.split(':') : [];
  const groups = rest === undefined ? left : [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  groups.forEach((g, i) => out.writeUInt16BE(parseInt(g, 16), i * 2));
  return out;
}

/** An IPv6 address in the one form Node gives `socket.remoteAddress`, so the login guard keys on one spelling per address. */
export function formatIPv6(text: string): string {
  return ipv6FromBytes(ipv6ToBytes(text));
}
