import { appendFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../lib/logger.js';
import { encodeSpoolRecord, openSpool, SPOOL_FILE, type SpoolRow } from './spool.js';

const logger = createLogger('silent');
const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'quantrac-spool-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const row = (k: number): SpoolRow => ['S1', 'pm25', 1_700_000_000_000 + k * 60_000, k, 0, 'mqtt'];

describe('spool', () => {
  it("keeps each row's check bits and the record's check flags (read back for the replay)", async () => {
    const spool = openSpool(tempDir(), 1 << 20, logger);
    const flagged: SpoolRow = ['S1', 'pm25', 1_700_000_000_000, 900, 0, 'mqtt', 1];
    const qc = { flags: [{ stationId: 'S1', metric: 'pm25', ts: 1_700_000_000_000, check: 'spike' as const, version: 1, detail: { median: 20 } }], ranges: [] };
    await spool.append([flagged, row(2)], undefined, qc);
    await spool.append([row(3)]);
    const records = await spool.read(0, 1 << 20);
    expect(records.map((r) => [r.rows, r.qc])).toEqual([
      [[flagged, row(2)], qc],
      [[row(3)], undefined],
    ]);
    await spool.close();
  });

  it('appends durable framed records, reads them back in order, and empties', async () => {
    const dir = tempDir();
    const spool = openSpool(dir, 1 << 20, logger);
    await spool.append([row(1), row(2)]);
    await spool.append([row(3)]);
    expect(spool.rows).toBe(3);
    expect(statSync(join(dir, SPOOL_FILE)).size).toBe(spool.bytes);
    const records = await spool.read(0, 1 << 20);
    expect(records.map((r) => r.rows)).toEqual([[row(1), row(2)], [row(3)]]);
    expect(records[1]!.next).toBe(spool.bytes);
    await spool.close();

    // reopened after a restart: the same records are there
    const again = openSpool(dir, 1 << 20, logger);
    expect(again.rows).toBe(3);
    expect((await again.read(0, 10)).map((r) => r.rows.length)).toEqual([2]); // at least one record per read
    const end = again.bytes;
    await again.append([row(4)], [{ source: 'mqtt', stationId: 'S1', topic: null, reasonCode: 'invalid_json', reason: 'r', payload: Buffer.from('{').toString('base64') }]);
    expect(await again.clearIf(end)).toBe(false); // an append came in after the replay read up to `end`
    expect((await again.read(end, 1 << 20))[0]!.quarantine).toHaveLength(1);
    expect(await again.clearIf(again.bytes)).toBe(true);
    expect(again.bytes).toBe(0);
    expect(statSync(join(dir, SPOOL_FILE)).size).toBe(0);
    await again.close();
  });

  it('refuses an append that would pass the bound, writing nothing', async () => {
    const dir = tempDir();
    const one = encodeSpoolRecord([row(1)]).length;
    const spool = openSpool(dir, one * 2 + 10, logger);
    await spool.append([row(1)]);
    await spool.append([row(2)]);
    await expect(spool.append([row(3)])).rejects.toMatchObject({ code: 'QT_ERR_SPOOL_FULL' });
    expect(spool.rows).toBe(2);
    expect(statSync(join(dir, SPOOL_FILE)).size).toBe(spool.bytes);
    await spool.close();
  });

  it('cuts off a torn last record (a crash during an append) and keeps the ones before it', async () => {
    const dir = tempDir();
    const file = join(dir, SPOOL_FILE);
    const good = encodeSpoolRecord([row(1)]);
    const torn = encodeSpoolRecord([row(2)]).subarray(0, 15);
    writeFileSync(file, Buffer.concat([good, torn]));
    const spool = openSpool(dir, 1 << 20, logger);
    expect(spool.bytes).toBe(good.length);
    expect(statSync(file).size).toBe(good.length);
    await spool.append([row(3)]);
    expect((await spool.read(0, 1 << 20)).map((r) => r.rows)).toEqual([[row(1)], [row(3)]]);
    await spool.close();
  });

  it('stops at a damaged record in the middle and keeps the rest aside for a person', async () => {
    const dir = tempDir();
    const file = join(dir, SPOOL_FILE);
    const a = encodeSpoolRecord([row(1)]);
    const b = Buffer.from(encodeSpoolRecord([row(2)]));
    b[b.length - 3] = b[b.length - 3]! ^ 0xff; // flip bits in the payload: the CRC no longer matches
    const c = encodeSpoolRecord([row(3)]);
    writeFileSync(file, a);
    appendFileSync(file, Buffer.concat([b, c]));
    const spool = openSpool(dir, 1 << 20, logger);
    expect(spool.rows).toBe(1);
    const aside = readdirSync(dir).find((f) => f.startsWith(`${SPOOL_FILE}.corrupt-`))!;
    expect(readFileSync(join(dir, aside))).toEqual(Buffer.concat([b, c]));
    await spool.close();
  });
});
