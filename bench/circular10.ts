/**
 * Benchmark of Circular 10 file ingest, loopback only, bounded:
 *
 *   npx tsx bench/circular10.ts [--stations 500] [--files 12] [--ftp-connections 64] [--concurrency 256]
 *
 * Starts Quantrac on a fresh embedded database in a temporary DATA_DIR (FTP on 127.0.0.1, port 0),
 * registers `stations` wastewater stations, then measures two paths, each over
 * `stations × files` distinct 5-minute files (7 parameters each, CRLF):
 *
 * 1. direct: parser + ingest (FileIntake.receive, commit awaited), `concurrency` files in flight;
 * 2. FTP: `ftp-connections` basic-ftp clients, each logging in as a station and uploading its
 *    files one after the other (each upload waits for its 226 = committed).
 *
 * A full day (500 × 288 = 144,000 files per path) is `--files 288`; the default is a
 * representative subset (500 × 12 = 6,000 files per path). Prints files/s and readings/s.
 */
import { rmSync } from 'node:fs';
import { Readable } from 'node:stream';
import { parseArgs } from 'node:util';
import { Client } from 'basic-ftp';
import { createApp } from '../app.js';
import { formatLocalTimestamp } from '../formats/circular10/codec.js';
import { tempDataDir } from '../test/helpers/app.js';

const { values: args } = parseArgs({
  options: {
    stations: { type: 'string', default: '500' },
    files: { type: 'string', default: '12' },
    'ftp-connections': { type: 'string', default: '64' },
    concurrency: { type: 'string', default: '256' },
  },
});
const STATIONS = Number(args.stations);
const FILES = Number(args.files);
const FTP_CONNECTIONS = Number(args['ftp-connections']);
const CONCURRENCY = Number(args.concurrency);
const PARAMS = 7;

function fileOf(ts: number, seed: number): { name: string; body: Buffer } {
  const l = formatLocalTimestamp(ts, 420);
  const v = (base: number, spread: number) => (base + ((seed * 7919) % 1000) / (1000 / spread)).toFixed(2);
  const body = [
    `Flow\t${v(120, 30)}\tm3/h\t${l}\t00`,
    `Flow_in\t${v(125, 30)}\tm3/h\t${l}\t00`,
    `Temp\t${v(28, 4)}\toC\t${l}\t00`,
    `pH\t${v(7, 1)}\tpH\t${l}\t00`,
    `TSS\t${v(40, 20)}\tmg/L\t${l}\t00`,
    `COD\t${v(60, 30)}\tmg/L\t${l}\t00`,
    `NH4\t${v(3, 2)}\tmg/L\t${l}\t00`,
  ].join('\r\n');
  return { name: `BN_KCN_ST_${l}.txt`, body: Buffer.from(body + '\r\n') };
}

const dataDir = tempDataDir();
const app = await createApp({
  dataDir,
  host: '127.0.0.1',
  mqtt: { port: 0 },
  http: { port: 0 },
  simulate: 0,
  logLevel: 'warn',
  adminPassword: 'bench-admin-password',
  alerts: { tickMs: 0, indexThrottleMs: 60_000 },
  ftp: { enabled: true, port: 0, pasvMin: 0, pasvMax: 0 },
});

try {
  const t0 = performance.now();
  console.log(`app started in ${app.startupMs} ms`);
  const stations: Array<{ id: string; secret: string }> = [];
  for (let i = 0; i < STATIONS; i += 50) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(50, STATIONS - i) }, async (_, k) => {
        const id = `BN-WW-${String(i + k).padStart(4, '0')}`;
        const r = await app.directory.register({ id, name: id, profileId: 'wastewater', lat: 21, lon: 106 });
        return { id, secret: r!.secret };
      }),
    );
    stations.push(...batch);
  }
  console.log(`registered ${STATIONS} stations in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

  // Distinct 5-minute slots per phase: direct uses the most recent FILES slots, FTP the ones before.
  const slot0 = Math.floor(Date.now() / 300_000) * 300_000 - 300_000;
  const slot = (phase: number, f: number) => slot0 - (phase * FILES + f) * 300_000;

  // 1. parser + ingest
  const jobs = stations.flatMap((s, si) => Array.from({ length: FILES }, (_, f) => ({ s, si, f })));
  let next = 0;
  let directFiles = 0;
  const d0 = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < jobs.length) {
        const { s, si, f } = jobs[next++]!;
        const file = fileOf(slot(0, f), si + f);
        const r = await app.circular10.intake.receive(s.id, `bench:${file.name}`, file.body, 'drop');
        if (r.outcome !== 'accepted') throw new Error(`file refused: ${JSON.stringify(r.refused)}`);
        directFiles++;
      }
    }),
  );
  const directS = (performance.now() - d0) / 1000;

  // 2. FTP. First every station logs in once (a scrypt verification each, ~memory-hard by design;
  // later logins hit the authenticator's cache), timed apart from the uploads.
  let nextLogin = 0;
  const l0 = performance.now();
  await Promise.all(
    Array.from({ length: Math.min(FTP_CONNECTIONS, STATIONS) }, async () => {
      while (nextLogin < stations.length) {
        const s = stations[nextLogin++]!;
        const client = new Client(60_000);
        try {
          await client.access({ host: '127.0.0.1', port: app.ports.ftp!, user: s.id, password: s.secret });
        } finally {
          client.close();
        }
      }
    }),
  );
  const loginS = (performance.now() - l0) / 1000;
  console.log(`first FTP login of ${STATIONS} stations (scrypt): ${loginS.toFixed(1)} s`);

  // one connection per station at a time, logging in again (cached), uploading its files in order
  let nextStation = 0;
  let ftpFiles = 0;
  const f0 = performance.now();
  await Promise.all(
    Array.from({ length: Math.min(FTP_CONNECTIONS, STATIONS) }, async () => {
      while (nextStation < stations.length) {
        const si = nextStation++;
        const s = stations[si]!;
        const client = new Client(30_000);
        try {
          await client.access({ host: '127.0.0.1', port: app.ports.ftp!, user: s.id, password: s.secret });
          for (let f = 0; f < FILES; f++) {
            const file = fileOf(slot(1, f), si + f);
            const res = await client.uploadFrom(Readable.from([file.body]), file.name);
            if (res.code !== 226) throw new Error(`upload answered ${res.code}`);
            ftpFiles++;
          }
        } finally {
          client.close();
        }
      }
    }),
  );
  const ftpS = (performance.now() - f0) / 1000;

  const rows = [
    { path: 'parser + ingest (no FTP)', files: directFiles, seconds: directS },
    { path: `FTP (${Math.min(FTP_CONNECTIONS, STATIONS)} connections; login per station, cached secret)`, files: ftpFiles, seconds: ftpS },
  ];
  console.log(`\n${STATIONS} stations × ${FILES} files per path, ${PARAMS} parameters per file, embedded database, loopback`);
  console.log('| path | files | seconds | files/s | readings/s |');
  console.log('|---|---|---|---|---|');
  for (const r of rows) {
    console.log(`| ${r.path} | ${r.files} | ${r.seconds.toFixed(1)} | ${(r.files / r.seconds).toFixed(0)} | ${((r.files * PARAMS) / r.seconds).toFixed(0)} |`);
  }
  const day = STATIONS * 288;
  for (const r of rows) console.log(`${r.path}: a day of ${day} files would take ~${(day / (r.files / r.seconds) / 60).toFixed(1)} min`);
} finally {
  const c0 = performance.now();
  await app.close();
  console.log(`app closed in ${((performance.now() - c0) / 1000).toFixed(1)} s`);
  rmSync(dataDir, { recursive: true, force: true });
}
