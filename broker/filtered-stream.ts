/**
 * @module broker/filtered-stream
 * A client's connection as aedes sees it: a Duplex that reads the client's bytes through a filter
 * (broker/oversize-filter.ts, the MQTT framing filter) and passes the broker's writes straight
 * to the socket. This is the broker's declared seam in front of aedes' packet parser: every
 * TCP, TLS and WebSocket stream is wrapped before it is handed to `aedes.handle()`, so nothing
 * has to reach into aedes' private parser.
 *
 * Flow control is kept end to end: the wrapper reads from the socket only while aedes reads from
 * the wrapper (aedes reads a connection's next bytes only when the previous ones are handled, see
 * security/station-limits.ts), so a held message still stops reading that station's socket and
 * TCP slows the station down; and a write the socket cannot take yet holds the next one until
 * the socket drains (aedes then waits for this stream's 'drain').
 */
import { Duplex } from 'node:stream';

/** Bytes to pass on for a chunk the client sent (possibly none), or null: close the connection. */
export type ChunkFilter = (chunk: Buffer) => Buffer | null;

export class FilteredStream extends Duplex {
  /** The socket's peer address, kept for clientAddress() (aedes' client.conn is this stream). */
  readonly remoteAddress: string | undefined;
  readonly #inner: Duplex;
  readonly #filter: ChunkFilter;
  /** aedes asked for more and the last push did not fill our buffer */
  #pulling = false;
  /** the client finished sending: what aedes has not read yet is still handled before the end */
  #innerEnded = false;

  constructor(inner: Duplex, filter: ChunkFilter, remoteAddress?: string) {
    super({ allowHalfOpen: false });
    this.#inner = inner;
    this.#filter = filter;
    this.remoteAddress = remoteAddress ?? (inner as { remoteAddress?: string }).remoteAddress;
    inner.on('readable', () => this.#pump());
    inner.on('end', () => {
      this.#innerEnded = true;
      this.push(null);
    });
    inner.on('error', (err: Error) => this.destroy(err));
    inner.on('close', () => {
      if (!this.#innerEnded) this.destroy();
    });
  }

  override _read(): void {
    this.#pulling = true;
    this.#pump();
  }

  #pump(): void {
    while (this.#pulling && !this.destroyed) {
      const chunk = this.#inner.read() as Buffer | string | null;
      if (chunk === null) return; // more comes with the next 'readable'
      const passed = this.#filter(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
      if (passed === null) {
        this.destroy();
        return;
      }
      // an empty result (the middle of a skipped payload) is not pushed: that would read as "no data"
      if (passed.length > 0) this.#pulling = this.push(passed);
    }
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.#afterWrite(this.#inner.write(chunk), callback);
  }

  /** Writes given together (mqtt-packet corks the stream for each packet) go to the socket together. */
  override _writev(chunks: Array<{ chunk: Buffer; encoding: BufferEncoding }>, callback: (error?: Error | null) => void): void {
    const inner = this.#inner;
    inner.cork();
    let ok = true;
    for (const { chunk } of chunks) ok = inner.write(chunk);
    inner.uncork();
    this.#afterWrite(ok, callback);
  }

  #afterWrite(ok: boolean, callback: (error?: Error | null) => void): void {
    if (ok) return callback();
    const inner = this.#inner;
    const done = () => {
      inner.off('drain', done);
      inner.off('close', done);
      callback();
    };
    inner.on('drain', done);
    inner.on('close', done);
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.#inner.end();
    callback();
  }

  override _destroy(err: Error | null, callback: (error?: Error | null) => void): void {
    if (!this.#inner.destroyed) this.#inner.destroy(err ?? undefined);
    callback(err);
  }
}
