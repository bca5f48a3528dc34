/**
 * The command line (`quantrac …`, cli/), run as a child process (`node --import tsx cli/index.ts`)
 * against a real app started here (through its API) and against its data directory once the app
 * is stopped (the database itself): stations, users, export, config check, db migrate, a backup
 * taken while the app runs then restored and started on, and db copy onto a second embedded
 * database reached only by its URL, as a TimescaleDB server would be.
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tableCounts } from '../store/backup.js';
import { startEmbeddedDatabase } from '../store/embedded/index.js';
import { insertReadings } from '../store/readings.js';
import { ADMIN_PASSWORD, startTestApp, tempDataDir, type TestApp } from './helpers/app.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const KEPT = ['readings', 'stations', 'station_credentials', 'users', 'device_profiles'];

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `quantrac …args` with only the given Quantrac variables set. */
function cli(args: string[], env: Record<string, string> = {}): Promise<Run> {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(QUANTRAC_|DATABASE_URL|DATA_DIR|ADMIN_PASSWORD|HTTP_PORT)/.test(k)));
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', 'cli/index.ts', ...args], { cwd: ROOT, env: { ...base, ...env }, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** Readings of one station, one per minute. */
async function addReadings(t: TestApp, stationId: string, n: number, startMs: number): Promise<void> {
  const ts = Array.from({ length: n }, (_, i) => new Date(startMs + i * 60_000).toISOString());
  await insertReadings(t.app.store.db, { stationIds: ts.map(() => stationId), metrics: ts.map(() => 'pm25'), ts, values: ts.map((_, i) => i / 10), quality: ts.map(() => 0) });
}

const dataDir = tempDataDir();
const scratch = tempDataDir();
let t: TestApp | undefined;
let api: string[];
const START = Date.parse('2025-03-01T00:00:00Z');

beforeAll(async () => {
  t = await startTestApp({}, dataDir);
  api = ['--url', t.baseUrl, '--token', t.adminToken];
});
afterAll(async () => {
  await t?.close();
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(scratch, { recursive: true, force: true });
});

describe('quantrac config check and usage', () => {
  it('names the wrong variable (exit 1), prints the resolved configuration without secrets (exit 0), refuses wrong usage (exit 2)', async () => {
    const bad = await cli(['config', 'check'], { HTTP_PORT: 'eighty' });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/HTTP_PORT: must be integer/);

    const good = await cli(['config', 'check'], { ADMIN_PASSWORD: 'very-secret-admin-pw', DATABASE_URL: 'postgres://quantrac:db-secret-pw@db.example:5432/q', HTTP_PORT: '8181' });
    expect(good.code).toBe(0);
    expect(good.stdout).toMatch(/HTTP_PORT\s+8181\s+env/);
    expect(good.stdout).toMatch(/ADMIN_PASSWORD\s+\(set\)/);
    expect(good.stdout).toContain('postgres://quantrac:***@db.example:5432/q');
    expect(good.stdout + good.stderr).not.toMatch(/very-secret-admin-pw|db-secret-pw/);

    expect((await cli(['stations', 'add'])).code).toBe(2);
    expect((await cli(['stations', 'add', 'X-1', '--bogus', '1'])).code).toBe(2);
    expect((await cli(['nope'])).code).toBe(2);
    const help = await cli(['db', 'copy', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: quantrac db copy --to postgres://');
  }, 60_000);
});

describe('quantrac against the running app (its API)', () => {
  it('stations add, list and rotate-secret; the secrets work over MQTT', async () => {
    const add = await cli([
      'stations',
      'add',
      'CLI-01',
      '--name',
      'Hoàn Kiếm',
      '--profile',
      'air-quality',
      '--lat',
      '21.03',
      '--lon',
      '105.85',
      '--province',
      'Hà Nội',
      '--json',
      ...api,
    ]);
    expect(add.code, add.stderr).toBe(0);
    const { secret } = JSON.parse(add.stdout) as { secret: string };
    expect(t!.app.directory.get('CLI-01')?.name).toBe('Hoàn Kiếm');
    await (await t!.connectStation('CLI-01', secret)).endAsync();

    const again = await cli(['stations', 'add', 'CLI-01', '--name', 'x', '--profile', 'air-quality', '--lat', '1', '--lon', '1', ...api]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/QT_ERR_STATION_EXISTS/);

    const rotated = await cli(['stations', 'rotate-secret', 'CLI-01', '--json', ...api]);
    expect(rotated.code, rotated.stderr).toBe(0);
    const fresh = (JSON.parse(rotated.stdout) as { secret: string }).secret;
    expect(fresh).not.toBe(secret);
    await (await t!.connectStation('CLI-01', fresh)).endAsync();
    await expect(t!.connectStation('CLI-01', secret)).rejects.toThrow();

    // no --url: the app holds DATA_DIR, so the command goes to its HTTP_PORT, logging in as admin with ADMIN_PASSWORD
    const list = await cli(['stations', 'list', '--json'], { DATA_DIR: dataDir, HTTP_PORT: String(t!.app.ports.http), ADMIN_PASSWORD });
    expect(list.code, list.stderr).toBe(0);
    expect((JSON.parse(list.stdout) as Array<{ id: string }>).map((s) => s.id)).toEqual(['CLI-01']);
  }, 60_000);

  it('users add and reset-password, logging in with a user and password', async () => {
    const login = ['--url', t!.baseUrl, '--user', 'admin', '--password', ADMIN_PASSWORD];
    const add = await cli(['users', 'add', 'lan.nguyen', '--role', 'operator', ...login], { QUANTRAC_NEW_PASSWORD: 'first-password-1' });
    expect(add.code, add.stderr).toBe(0);
    expect(add.stdout).not.toContain('first-password-1');
    expect((await t!.api('POST', '/api/v1/auth/login', { username: 'lan.nguyen', password: 'first-password-1' }, null)).status).toBe(200);

    const reset = await cli(['users', 'reset-password', 'lan.nguyen', ...login]);
    expect(reset.code, reset.stderr).toBe(0);
    const generated = /password: (\S+)/.exec(reset.stdout)?.[1];
    expect(generated).toBeTruthy();
    expect((await t!.api('POST', '/api/v1/auth/login', { username: 'lan.nguyen', password: generated }, null)).status).toBe(200);
    expect((await t!.api('POST', '/api/v1/auth/login', { username: 'lan.nguyen', password: 'first-password-1' }, null)).status).toBe(401);
    expect((await t!.api<{ data: Array<{ username: string; role: string }> }>('GET', '/api/v1/users')).body.data).toContainEqual(
      expect.objectContaining({ username: 'lan.nguyen', role: 'operator' }),
    );
    expect((await cli(['users', 'reset-password', 'nobody', ...api])).code).toBe(1);
  }, 60_000);

  it('export writes the readings to a CSV file', async () => {
    await addReadings(t!, 'CLI-01', 300, START);
    const file = join(scratch, 'export.csv');
    const run = await cli(['export', '--stations', 'CLI-01', '--from', new Date(START).toISOString(), '--to', new Date(START + 300 * 60_000).toISOString(), '--out', file, ...api]);
    expect(run.code, run.stderr).toBe(0);
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    expect(lines[0]).toBe('ts,station,metric,value,unit,quality,qc_flags,validation,reason,validation_level');
    expect(lines).toHaveLength(301);
    expect(lines[1]).toBe('2025-03-01T00:00:00.000Z,CLI-01,pm25,0,µg/m³,valid,,valid,,0');
  }, 60_000);
});

describe('backup while running, restore, and db copy', () => {
  const file = join(scratch, 'snapshot.tar.gz');
  let before: Map<string, number>;

  it('takes a backup while the app runs; restore is refused until it stops', async () => {
    before = await tableCounts(t!.app.store.db, KEPT);
    const backup = await cli(['db', 'backup', '--out', file, ...api], { DATA_DIR: dataDir });
    expect(backup.code, backup.stderr).toBe(0);
    expect(backup.stdout).toMatch(/snapshot taken by the running app/);
    // written after the snapshot: not in it
    await addReadings(t!, 'CLI-01', 50, START + 1000 * 60_000);

    const refused = await cli(['db', 'restore', file], { DATA_DIR: dataDir });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/Quantrac is running on .* stop it before restoring/);
    const direct = await cli(['db', 'migrate'], { DATA_DIR: dataDir });
    expect(direct.code).toBe(1);
    await t!.close();
    t = undefined;
  }, 60_000);

  it('restores the snapshot, keeps the old database aside, and the app starts on it with the same rows', async () => {
    const restore = await cli(['db', 'restore', file], { DATA_DIR: dataDir });
    expect(restore.code, restore.stderr).toBe(0);
    expect(restore.stdout).toMatch(new RegExp(`readings\\s+${before.get('readings')}\\n`));
    expect(readdirSync(dataDir).some((f) => f.startsWith('pg.before-restore-'))).toBe(true);

    t = await startTestApp({}, dataDir);
    const after = await tableCounts(t.app.store.db, KEPT);
    expect(after).toEqual(before);
    expect(before.get('readings')).toBe(300);
    expect(t.app.directory.get('CLI-01')).toBeDefined();
    await t.close();
    t = undefined;
  }, 120_000);

  it('works on the stopped database: db migrate, stations list, users reset-password, db backup', async () => {
    const migrate = await cli(['db', 'migrate'], { DATA_DIR: dataDir });
    expect(migrate.code, migrate.stderr).toBe(0);
    expect(migrate.stdout).toMatch(/up to date/);
    const list = await cli(['stations', 'list'], { DATA_DIR: dataDir });
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toMatch(/CLI-01\s+Hoàn Kiếm\s+air-quality\s+Hà Nội/);
    const reset = await cli(['users', 'reset-password', 'lan.nguyen'], { DATA_DIR: dataDir, QUANTRAC_NEW_PASSWORD: 'offline-password-2' });
    expect(reset.code, reset.stderr).toBe(0);
    const stopped = await cli(['db', 'backup', '--out', join(scratch, 'stopped.tar.gz')], { DATA_DIR: dataDir });
    expect(stopped.code, stopped.stderr).toBe(0);
    expect(existsSync(join(scratch, 'stopped.tar.gz'))).toBe(true);
  }, 120_000);

  it('db copy moves the data onto a server, verifies the counts; grant-readonly there, refused embedded', async () => {
    const server = await startEmbeddedDatabase(join(scratch, 'server'), (err) => {
      throw err;
    });
    try {
      const copy = await cli(['db', 'copy', '--to', server.connectionString, '--batch', '70'], { DATA_DIR: dataDir });
      expect(copy.code, copy.stderr).toBe(0);
      expect(copy.stdout).toMatch(/readings\s+300\s+300\s+ok/);
      expect(copy.stdout).toMatch(/every table has the same number of rows/);

      const client = new pg.Client({ connectionString: server.connectionString });
      await client.connect();
      try {
        const { rows } = await client.query<{ n: string; s: number }>("SELECT count(*) AS n, sum(value) AS s FROM readings WHERE station_id = 'CLI-01'");
        expect(Number(rows[0]!.n)).toBe(300);
        expect(rows[0]!.s).toBeCloseTo((299 * 300) / 2 / 10, 6);
        const users = await client.query<{ username: string }>('SELECT username FROM users ORDER BY username');
        expect(users.rows.map((r) => r.username)).toEqual(['admin', 'lan.nguyen']);
        // the copied ids are behind the sequences: a new user gets a fresh id
        await client.query("INSERT INTO users (username, password_hash, role) VALUES ('new', 'x', 'viewer')");
      } finally {
        await client.end();
      }

      const grant = await cli(['db', 'grant-readonly', 'quantrac_readonly'], { DATABASE_URL: server.connectionString });
      expect(grant.code, grant.stderr).toBe(0);
      expect(grant.stdout).toMatch(/role quantrac_readonly created .*readings, readings_hourly, readings_daily, readings_monthly, stations/);
    } finally {
      await server.close();
    }
    const embedded = await cli(['db', 'grant-readonly', 'quantrac_readonly'], { DATA_DIR: dataDir });
    expect(embedded.code).toBe(1);
    expect(embedded.stderr).toMatch(/db copy/);
  }, 180_000);
});
