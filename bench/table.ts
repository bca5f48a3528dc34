/**
 * The benchmark's figures as a Markdown table (the README's Performance section is pasted from
 * this): `npm run bench:table` reads bench/results/latest.json (or the file given as argument) and
 * puts each figure beside the one the README shows now (`--no-previous`: without that column).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

type Lat = { p50: number; p95: number; p99: number; n: number };
type Cpu = {
  appCpuPct: number;
  appMainThreadCpuPct: number;
  appOtherThreadsCpuPct: number;
  appBusiestOtherThreadCpuPct?: number;
  loadGeneratorCpuPct: number | null;
  machineBusyPct: number;
  mainEventLoopUtilization: number;
};

interface Results {
  set: string;
  when: string;
  command: string;
  database: string;
  machine: { cpuModel: string; cpus: number; memoryGb: number; node: string };
  startup: { freshMs: number; restartMs: number; registeredStations: number; compiled?: { wallMs: number; bannerMs: number } };
  throughput: Array<{
    metricsPerMessage: number;
    stations: number;
    inFlightPerStation: number;
    messagesPerSecond: number;
    readingsPerSecondStored: number;
    publishToCommitMs: Lat;
    failedPublishes: number;
    cpu: Cpu;
    saturates: string;
  }>;
  latency: {
    readingsPerSecondOffered: number;
    readingsPerSecondStored: number;
    publishToCommitMs: Lat;
    publishToClientMs: Lat;
    thresholdToAlertMs: Lat;
    realtimeFrameMs: number;
    cpu: Cpu;
  };
  stages: {
    broker: { messagesPerSecond: number; readingsPerSecond: number; publishToAckMs: Lat; publishToSubscriberMs: Lat; brokerProcessCpuPct?: number; error?: string };
    validation: { messagesPerSecond: number; readingsPerSecond: number };
    databaseInsert: { rowsPerBatch: number; readingsPerSecond: number };
    rules?: { stations: number; shippedAirRules: number; readingsPerSecond: number };
  };
  fleet: Array<{
    stations: number;
    connectsPerSecond: number;
    connectSeconds: number;
    rssMb: number;
    rssMbMax: number;
    rssMbBefore: number;
    /** Set by runs since issue 20: the RSS is a fresh app process's, with its database's WebAssembly share. */
    rssOf?: string;
    wasmResidentMb?: number;
    /** Set by runs since 2026-12-05 afternoon: the app's main-thread V8 heap at the end, and what was live after its last full collection. */
    heapTotalMb?: number;
    heapLiveMb?: number;
    cpu: Cpu;
    measuredSeconds: number;
    messagesAcked: number;
  }>;
  backlog: {
    stations: number;
    readingsPerStation: number;
    reconnectSeconds: number;
    recoverSeconds: number;
    readingsPerSecondStored: number;
    readingsStored: number;
    readingsExpected: number;
  };
  guarantees: { failedPublishes: number; backlogStoredExactly: boolean };
}

const n = (v: number | null | undefined) => (v === null || v === undefined || Number.isNaN(v) ? '–' : v.toLocaleString('en-US'));
const lat = (l: Lat) => `${n(l.p50)} / ${n(l.p95)} / ${n(l.p99)}`;
const cpu = (c: Cpu) =>
  `Quantrac ${c.appCpuPct}% (main ${c.appMainThreadCpuPct}%, other threads ${c.appOtherThreadsCpuPct}%), load generator ${c.loadGeneratorCpuPct ?? '–'}%, machine ${c.machineBusyPct}% busy`;

/** A previous table's figures by measure (the README's table before it is replaced), and when it ran. */
export interface PreviousTable {
  when: string;
  rows: Map<string, string>;
}

/** A measure's label without its run-dependent parts (the frame period), to find it again. */
function measureKey(label: string): string {
  return label
    .replace(/\((frames|one process)[^)]*\)/g, '')
    .replace(/\*\*/g, '')
    .replace(/\s+/g, ' ')
    .trim()
    .toLowerCase();
}

function previousOf(rows: ReadonlyMap<string, string>, label: string): string {
  return rows.get(measureKey(label)) ?? '–';
}

/**
 * The figures of the table now between the README's markers (its second column by measure), so a
 * regenerated table shows each figure beside its previous value; the date from its "Machine:" line.
 */
export function previousFromReadme(readme: string): PreviousTable | undefined {
  const i = readme.indexOf('<!-- bench:table -->');
  const j = readme.indexOf('<!-- /bench:table -->');
  if (i < 0 || j < i) return undefined;
  const block = readme.slice(i, j);
  const rows = new Map<string, string>();
  for (const l of block.split('\n')) {
    const cells = l.split(' | ');
    if (!l.startsWith('| ') || cells.length < 2 || l.startsWith('| Measure') || l.startsWith('| ---')) continue;
    rows.set(measureKey(cells[0]!.slice(2)), cells[1]!.replace(/ \|$/, ''));
  }
  const when = /, (\d{4}-\d{2}-\d{2})[ T]\d{2}:\d{2} UTC\./.exec(block)?.[1] ?? 'before';
  return rows.size > 0 ? { when, rows } : undefined;
}

export function renderTable(input: unknown, previous?: PreviousTable): string {
  const r = input as Results;
  const rows: Array<[string, string]> = [];
  const [t10, t1] = r.throughput;
  rows.push(['Start-up (fresh data dir / restart with ' + n(r.startup.registeredStations) + ' stations)', `${n(r.startup.freshMs)} ms / ${n(r.startup.restartMs)} ms`]);
  if (r.startup.compiled)
    rows.push([
      "Start-up of the compiled build (`node dist/main.js`, fresh data dir): process start → banner / banner's own figure",
      `${n(r.startup.compiled.wallMs)} ms / ${n(r.startup.compiled.bannerMs)} ms`,
    ]);
  for (const t of [t10!, t1!]) {
    rows.push([
      `Readings/s stored, ${t.metricsPerMessage} metric${t.metricsPerMessage > 1 ? 's' : ''}/message, ${n(t.stations)} stations × ${t.inFlightPerStation} in flight (QoS 1, commit before PUBACK)`,
      `**${n(t.readingsPerSecondStored)}** (${n(t.messagesPerSecond)} msg/s); publish→commit p50/p95/p99 ${lat(t.publishToCommitMs)} ms`,
    ]);
    rows.push([`… what saturates (${t.metricsPerMessage} metric${t.metricsPerMessage > 1 ? 's' : ''})`, t.saturates]);
  }
  const l = r.latency;
  rows.push([`Publish → commit at ${n(l.readingsPerSecondOffered)} readings/s, p50/p95/p99`, `${lat(l.publishToCommitMs)} ms`]);
  rows.push([`Publish → socket.io client (frames sent on commit, at most one per room every ${l.realtimeFrameMs} ms), p50/p95/p99`, `${lat(l.publishToClientMs)} ms`]);
  rows.push(['Threshold-crossing reading → alert emitted, p50/p95/p99', `${lat(l.thresholdToAlertMs)} ms (${l.thresholdToAlertMs.n} probes)`]);
  rows.push([`CPU at ${n(l.readingsPerSecondOffered)} readings/s (% of one core)`, cpu(l.cpu)]);
  const s = r.stages;
  rows.push([
    'Stage alone: bare Aedes broker (own process), QoS 1 publish → subscriber',
    s.broker.error
      ? `failed: ${s.broker.error}`
      : `${n(s.broker.messagesPerSecond)} msg/s (${n(s.broker.readingsPerSecond)} readings/s), broker CPU ${s.broker.brokerProcessCpuPct ?? '–'}%; publish→subscriber p50/p99 ${n(s.broker.publishToSubscriberMs.p50)} / ${n(s.broker.publishToSubscriberMs.p99)} ms`,
  ]);
  rows.push(['Stage alone: parsing + validation (one thread)', `${n(s.validation.messagesPerSecond)} msg/s = ${n(s.validation.readingsPerSecond)} readings/s`]);
  rows.push([`Stage alone: database batch insert (${n(s.databaseInsert.rowsPerBatch)} rows/statement)`, `${n(s.databaseInsert.readingsPerSecond)} readings/s`]);
  if (s.rules)
    rows.push([`Stage alone: alert rules (${s.rules.shippedAirRules} shipped air-quality rules, ${n(s.rules.stations)} stations)`, `${n(s.rules.readingsPerSecond)} readings/s`]);
  for (const f of r.fleet) {
    rows.push([
      `${n(f.stations)} connected stations, 1 message/min each`,
      f.rssOf
        ? `RSS **${n(f.rssMb)} MB** of a fresh Quantrac process ${f.rssOf.includes('dist/main.js') ? 'as `npm start` runs it (`node dist/main.js`) ' : ''}serving only them (embedded database inside, its WebAssembly memory ${n(f.wasmResidentMb)} MB of it${f.heapTotalMb !== undefined && f.heapLiveMb !== undefined ? `, its main thread's heap ${n(f.heapTotalMb)} MB, ${n(f.heapLiveMb)} MB live` : ''}; ${n(f.rssMbBefore)} MB before they connected, peak ${n(f.rssMbMax)} MB while they connected), Quantrac CPU ${f.cpu.appCpuPct}% of one core; connect ${n(f.connectsPerSecond)}/s (${f.connectSeconds} s)`
        : `RSS ${n(f.rssMb)} MB (${f.rssMb - f.rssMbBefore >= 0 ? '+' : ''}${n(f.rssMb - f.rssMbBefore)} MB from before they connected; one process with the embedded database), Quantrac CPU ${f.cpu.appCpuPct}% of one core; connect ${n(f.connectsPerSecond)}/s (${f.connectSeconds} s)`,
    ]);
  }
  const b = r.backlog;
  rows.push([
    `Backlog: ${n(b.stations)} stations × 1 hour (${n(b.readingsPerStation)} readings each, one array message)`,
    `reconnect ${b.reconnectSeconds} s, recovered in ${b.recoverSeconds} s (${n(b.readingsPerSecondStored)} readings/s); stored ${n(b.readingsStored)} of ${n(b.readingsExpected)}`,
  ]);
  const prevCol = previous ? ` | Previous (${previous.when}) |` : ' |';
  const sep = previous ? '| --- | --- | --- |' : '| --- | --- |';
  const line = ([k, v]: [string, string]) => `| ${k} | ${v}${previous ? ` | ${previousOf(previous.rows, k)}` : ''} |`;
  const head = `Machine: ${r.machine.cpuModel}, ${r.machine.cpus} cores, ${r.machine.memoryGb} GB, Node ${r.machine.node}; ${r.database}; \`${r.command}\` (${r.set} set), ${r.when.slice(0, 16).replace('T', ' ')} UTC.`;
  const guarantees = `Guarantees that held during the run: QoS 1 with the PUBACK sent only after commit; ${n(r.guarantees.failedPublishes)} failed publishes; backlog stored exactly once: ${r.guarantees.backlogStoredExactly ? 'yes' : 'NO'}.`;
  return [head, '', `| Measure | Result${prevCol}`, sep, ...rows.map(line), '', guarantees].join('\n');
}

/** Replaces what stands between the README's `<!-- bench:table -->` markers. */
export function replaceInReadme(readme: string, table: string): string {
  const start = '<!-- bench:table -->';
  const end = '<!-- /bench:table -->';
  const i = readme.indexOf(start);
  const j = readme.indexOf(end);
  if (i < 0 || j < i) throw new Error('README.md has no <!-- bench:table --> … <!-- /bench:table --> markers');
  return `${readme.slice(0, i + start.length)}\n${table}\n${readme.slice(j)}`;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const args = process.argv.slice(2);
  const file = args.find((a) => !a.startsWith('--')) ?? fileURLToPath(new URL('./results/latest.json', import.meta.url));
  const readme = fileURLToPath(new URL('../README.md', import.meta.url));
  const readmeText = readFileSync(readme, 'utf8');
  // each figure beside the one the README shows now (issue 20): `--no-previous` leaves the column out
  const table = renderTable(JSON.parse(readFileSync(file, 'utf8')), args.includes('--no-previous') ? undefined : previousFromReadme(readmeText));
  if (args.includes('--readme')) {
    writeFileSync(readme, replaceInReadme(readmeText, table));
    console.log(`README.md Performance table replaced from ${file}`);
  } else console.log(table);
}
