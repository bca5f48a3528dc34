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

  it('tells which build runs', async () => {
    const text = await scrape();
    const m = /^quantrac_build_info\{version="([^"]+)",node="([^"]+)"\} 1$/m.exec(text);
    expect(m).not.toBeNull();
    expect(m![1]).toMatch(/^\d+\.\d+\.\d+/);
    expect(m![2]).toBe(process.versions.node);
  });
});
