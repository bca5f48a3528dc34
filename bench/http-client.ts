/**
 * The benches' HTTP client, run in its own process (bench/lib.ts httpClient forks it), as an
 * analyst's client always is: receiving a 7 MB answer or a 100 MB export costs its own CPU and
 * heap, which must not be counted in the server's event loop and heap. Node's http over loopback,
 * one keep-alive connection. Requests arrive over IPC:
 * - { type: 'time', id, url, headers, runs }: GET `runs` times, one after another, each read to its
 *   last byte; answers { type: 'done', id, status, bytes, ms: [...] } (each request's milliseconds
 *   from sending to the last byte);
 * - { type: 'stream', id, url, headers, progressEvery }: one GET read to its end counting lines;
 *   { type: 'progress', id, lines } every `progressEvery` lines (0: never), then
 *   { type: 'done', id, status, bytes, lines, ms: [total] }.
 * - { type: 'abort', id }: a stream still being read is cut; its 'done' carries status 0 and
 *   error 'aborted', with the lines counted until then.
 * A response other than 200 ends the request with its status and the first 300 bytes of its body.
 */
import http from 'node:http';

interface TimeRequest {
  type: 'time';
  id: number;
  url: string;
  headers: Record<string, string>;
  runs: number;
}
interface StreamRequest {
  type: 'stream';
  id: number;
  url: string;
  headers: Record<string, string>;
  progressEvery: number;
}
export type HttpClientRequest = TimeRequest | StreamRequest | { type: 'abort'; id: number };
export type HttpClientReply =
  { type: 'progress'; id: number; lines: number } | { type: 'done'; id: number; status: number; bytes: number; lines: number; ms: number[]; error?: string };

const agent = new http.Agent({ keepAlive: true });
/** Streams being read, by request id (to abort them). */
const streams = new Map<number, http.ClientRequest>();
const send = (m: HttpClientReply) => process.send!(m);

/** One GET read to its end; `onData` sees every chunk. */
function get(url: string, headers: Record<string, string>, onData: (chunk: Buffer) => void, id?: number): Promise<{ status: number; bytes: number; error?: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent, headers }, (res) => {
      let bytes = 0;
      const head: Buffer[] = [];
      res.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        if (res.statusCode !== 200) head.push(chunk);
        else onData(chunk);
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, bytes, error: res.statusCode === 200 ? undefined : Buffer.concat(head).subarray(0, 300).toString() }));
      // cut before its end: 'aborted' when the parent asked for it (what was read until then), an error otherwise
      const cut = () => (id !== undefined && !streams.has(id) ? { status: 0, bytes, error: 'aborted' } : { status: 0, bytes, error: 'the response ended before its last byte' });
      res.on('close', () => res.complete || resolve(cut()));
      res.on('error', () => resolve(cut()));
    });
    req.on('error', (err) => (req.destroyed && id !== undefined && !streams.has(id) ? resolve({ status: 0, bytes: 0, error: 'aborted' }) : reject(err)));
    if (id !== undefined) streams.set(id, req);
  });
}

async function handle(m: TimeRequest | StreamRequest): Promise<void> {
  if (m.type === 'time') {
    const ms: number[] = [];
    let last = { status: 0, bytes: 0 } as { status: number; bytes: number; error?: string };
    for (let i = 0; i < m.runs; i++) {
      const t0 = performance.now();
      last = await get(m.url, m.headers, () => undefined);
      ms.push(performance.now() - t0);
      if (last.status !== 200) break;
    }
    send({ type: 'done', id: m.id, ...last, lines: 0, ms });
    return;
  }
  let lines = 0;
  let nextProgress = m.progressEvery > 0 ? m.progressEvery : Infinity;
  const t0 = performance.now();
  const r = await get(
    m.url,
    m.headers,
    (chunk) => {
      for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lines++;
      if (lines >= nextProgress) {
        send({ type: 'progress', id: m.id, lines });
        nextProgress += m.progressEvery;
      }
    },
    m.id,
  ).finally(() => streams.delete(m.id));
  send({ type: 'done', id: m.id, ...r, lines, ms: [performance.now() - t0] });
}

process.on('message', (m: HttpClientRequest | { type: 'close' }) => {
  if (m.type === 'abort') {
    const req = streams.get(m.id);
    streams.delete(m.id);
    req?.destroy();
    return;
  }
  if (m.type === 'close') {
    agent.destroy();
    process.disconnect();
    return;
  }
  handle(m).catch((err: unknown) => send({ type: 'done', id: m.id, status: 0, bytes: 0, lines: 0, ms: [], error: (err as Error).message }));
});
send({ type: 'progress', id: -1, lines: 0 }); // ready
