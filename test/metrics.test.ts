/**
 * /metrics as a stock Prometheus + Grafana set-up reads it: Node's default metrics under their
 * conventional names, the build's identity, and Quantrac's own series.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from './helpers/app.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t?.close(true);
});

async function scrape(): Promise<string> {
  const res = await fetch(`${t.baseUrl}/metrics`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
  return res.text();
}

describe('/metrics', () => {
  it('names Node.js default metrics as stock dashboards expect, never with a quantrac prefix', async () => {
    const text = await scrape();
    expect(text).toMatch(/^process_cpu_seconds_total \d/m);
    expect(text).toMatch(/^process_resident_memory_bytes \d/m);
    expect(text).toMatch(/^nodejs_heap_size_used_bytes \d/m);
    expect(text).toMatch(/^nodejs_eventloop_lag_seconds \d/m);
    expect(text).not.toMatch(/quantrac_process_/);
  });

  it("reports the embedded database's memory, which the process's heap gauges leave out", async () => {
    const text = await scrape();
    const gauge = (kind: string) => Number(new RegExp(`^quantrac_embedded_db_memory_bytes\\{kind="${kind}"\\} (\\d+)$`, 'm').exec(text)?.[1] ?? NaN);
    // PostgreSQL's buffer pool alone sits in the WebAssembly memory
    expect(gauge('wasm')).toBeGreaterThan(32 * 1048576);
    expect(gauge('wasm')).toBe((await t.app.store.db.embedded!.memory()).wasmBytes);
    expect(gauge('heap_used')).toBeGreaterThan(0);
    expect(gauge('heap_total')).toBeGreaterThanOrEqual(gauge('heap_used'));
    expect(gauge('external')).toBeGreaterThanOrEqual(0);
  });

  it('tells which build runs', async () => {
    const text = await scrape();
    const m = /^quantrac_build_info\{version="([^"]+)",node="([^"]+)"\} 1$/m.exec(text);
    expect(m).not.toBeNull();
    expect(m![1]).toMatch(/^\d+\.\d+\.\d+/);
    expect(m![2]).toBe(process.versions.node);
  });

  it('times HTTP requests by method, route pattern (never the raw URL) and status code', async () => {
    expect((await t.api('GET', '/api/v1/stations/NO-SUCH-STATION')).status).toBe(404);
    expect((await t.api('GET', '/no/such/route?x=1')).status).toBe(404);
    const text = await scrape();
    expect(text).toMatch(/^# TYPE http_request_duration_seconds histogram$/m);
    expect(text).toMatch(/^http_request_duration_seconds_count\{method="GET",route="\/api\/v1\/stations\/:id",status_code="404"\} [1-9]/m);
    expect(text).toMatch(/^http_request_duration_seconds_bucket\{le="0\.1",method="GET",route="\/api\/v1\/stations\/:id",status_code="404"\} \d/m);
    expect(text).toMatch(/^http_request_duration_seconds_count\{method="GET",route="unmatched",status_code="404"\} [1-9]/m);
    expect(text).not.toMatch(/NO-SUCH-STATION|no\/such\/route/);
  });

  it('counts a blocked main thread (a synchronous task of 1.3 s)', async () => {
    const count = (text: string) => Number(/^quantrac_event_loop_blocks_total (\d+)$/m.exec(text)?.[1] ?? NaN);
    const before = count(await scrape());
    expect(before).toBeGreaterThanOrEqual(0);
    const end = performance.now() + 1300;
    while (performance.now() < end) {
      // the app shares this thread: nothing else runs
    }
    await new Promise((r) => setTimeout(r, 600));
    expect(count(await scrape())).toBeGreaterThan(before);
  });
});
