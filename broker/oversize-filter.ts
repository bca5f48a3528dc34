/**
 * @module broker/oversize-filter
 * Frames the bytes a client sends before aedes' parser sees them, so that no packet over the size
 * limit is ever buffered whole:
 * - a PUBLISH over the limit, after the connection's first packet (CONNECT) and on MQTT 3.1/3.1.1,
 *   is cut down as it streams by: its topic, packet id and the first `headBytes` of its payload
 *   are kept, the rest is skipped, and the parser gets the same PUBLISH with an empty payload.
 *   The broker then quarantines the head with its reason and acknowledges it (broker/size-guard.ts,
 *   broker/steps/publish.ts):
 *   a station whose datalogger keeps an oversized message for redelivery is not locked in a loop
 *   of reconnects that would hold back every reading after it;
 * - any other packet over the limit (a CONNECT from someone not yet authenticated, a PUBLISH on
 *   MQTT 5, whose properties are not rebuilt here, a malformed one) ends the connection.
 * Packets under the limit pass through untouched.
 */

export interface OversizedPublish {
  topic: string;
  qos: number;
  /** Packet identifier (QoS 1 and 2). */
  messageId: number | undefined;
  /** Size of the whole packet as announced (fixed header + remaining length). */
  packetBytes: number;
  payloadBytes: number;
  /** The first bytes of the payload (at most headBytes). */
  head: Buffer;
}

export interface OversizeFilter {
  /** The bytes to hand to the parser for this chunk, or null: end the connection. */
  push(chunk: Buffer): Buffer | null;
}

export interface OversizeFilterOptions {
  maxPacketBytes: number;
  headBytes: number;
  /** An oversized PUBLISH was cut down; its empty copy follows in the returned bytes. */
  onPublish(publish: OversizedPublish): void;
  /** An oversized packet that ends the connection. */
  onRefuse(info: { cmd: number; remainingLength: number }): void;
}

const PUBLISH = 3;

/** MQTT variable byte integer (remaining length). */
function encodeLength(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) byte |= 0x80;
    out.push(byte);
  } while (n > 0);
  return out;
}

export function createOversizeFilter(options: OversizeFilterOptions): OversizeFilter {
  const { maxPacketBytes, headBytes } = options;
  let state: 'header' | 'pass' | 'capture' | 'raw' = 'header';
  let header: number[] = [];
  let remaining = 0;
  let packets = 0;
  /** The first bytes of the first packet's body: the CONNECT's protocol name and level. */
  const connectBody: number[] = [];
  let protocolLevel: number | undefined;
  // capture state
  let byte0 = 0;
  let announced = 0;
  let headerLength = 0;
  let captured: Buffer[] = [];
  let capturedBytes = 0;
  let want = 2; // bytes of the body to keep: grows once the topic length is known

  function readProtocolLevel(): void {
    if (protocolLevel !== undefined || connectBody.length < 2) return;
    const nameLength = (connectBody[0]! << 8) | connectBody[1]!;
    if (connectBody.length > 2 + nameLength) protocolLevel = connectBody[2 + nameLength];
  }

  /** Grows the capture target once the topic length is in; returns false if the packet is malformed. */
  function captureTarget(): boolean {
    if (capturedBytes < 2 || want !== 2) return true;
    const first = Buffer.concat(captured).subarray(0, 2);
    const topicLength = first.readUInt16BE(0);
    const idBytes = (byte0 >> 1) & 3 ? 2 : 0;
    const variableHeader = 2 + topicLength + idBytes;
    if (variableHeader > announced) return false;
    want = Math.min(announced, variableHeader + headBytes);
    return true;
  }

  function finishCapture(out: Buffer[]): void {
    const body = Buffer.concat(captured);
    captured = [];
    const topicLength = body.readUInt16BE(0);
    const qos = (byte0 >> 1) & 3;
    const idBytes = qos ? 2 : 0;
    const variableHeader = 2 + topicLength + idBytes;
    const topic = body.subarray(2, 2 + topicLength).toString('utf8');
    const messageId = qos ? body.readUInt16BE(2 + topicLength) : undefined;
    options.onPublish({
      topic,
      qos,
      messageId,
      packetBytes: headerLength + announced,
      payloadBytes: announced - variableHeader,
      head: Buffer.from(body.subarray(variableHeader)),
    });
    out.push(Buffer.from([byte0, ...encodeLength(variableHeader)]), body.subarray(0, variableHeader));
  }

  return {
    push(chunk) {
      if (state === 'raw') return chunk;
      const out: Buffer[] = [];
      let i = 0;
      let passFrom = -1; // start of a run of bytes passed through unchanged
      const flushPass = (end: number) => {
        if (passFrom >= 0 && end > passFrom) out.push(chunk.subarray(passFrom, end));
        passFrom = -1;
      };
      while (i < chunk.length) {
        if (state === 'header') {
          header.push(chunk[i++]!);
          if (header.length === 1) continue;
          const last = header[header.length - 1]!;
          if (last & 0x80) {
            if (header.length < 5) continue;
            // a length over 4 bytes is malformed: the parser says so and closes the connection
            out.push(Buffer.from(header));
            header = [];
            state = 'raw';
            out.push(chunk.subarray(i));
            return Buffer.concat(out);
          }
          let length = 0;
          for (let k = header.length - 1; k >= 1; k--) length = length * 128 + (header[k]! & 0x7f);
          const cmd = header[0]! >> 4;
          const first = packets === 0;
          packets++;
          if (length > maxPacketBytes) {
            const level = protocolLevel ?? 0;
            if (cmd !== PUBLISH || first || level < 3 || level > 4) {
              options.onRefuse({ cmd, remainingLength: length });
              return null;
            }
            byte0 = header[0]!;
            announced = length;
            headerLength = header.length;
            header = [];
            captured = [];
            capturedBytes = 0;
            want = 2;
            remaining = length;
            state = 'capture';
            continue;
          }
          out.push(Buffer.from(header));
          header = [];
          remaining = length;
          state = length > 0 ? 'pass' : 'header';
          continue;
        }
        if (state === 'pass') {
          const n = Math.min(remaining, chunk.length - i);
          if (packets === 1 && protocolLevel === undefined) {
            for (let k = 0; k < n && connectBody.length < 16; k++) connectBody.push(chunk[i + k]!);
            readProtocolLevel();
          }
          if (passFrom < 0) passFrom = i;
          i += n;
          remaining -= n;
          if (remaining === 0) {
            flushPass(i);
            state = 'header';
          }
          continue;
        }
        // capture: keep the variable header and the head of the payload, skip the rest
        const n = Math.min(remaining, chunk.length - i);
        const keep = Math.max(0, Math.min(n, want - capturedBytes));
        if (keep > 0) {
          captured.push(Buffer.from(chunk.subarray(i, i + keep)));
          capturedBytes += keep;
          if (!captureTarget()) {
            options.onRefuse({ cmd: PUBLISH, remainingLength: announced });
            return null;
          }
          // the target may have grown: take more of this chunk
          const more = Math.max(0, Math.min(n - keep, want - capturedBytes));
          if (more > 0) {
            captured.push(Buffer.from(chunk.subarray(i + keep, i + keep + more)));
            capturedBytes += more;
          }
          i += keep + more;
          remaining -= keep + more;
        } else {
          i += n;
          remaining -= n;
        }
        if (remaining === 0) {
          finishCapture(out);
          state = 'header';
        }
      }
      flushPass(i);
      return out.length === 1 ? out[0]! : Buffer.concat(out);
    },
  };
}
