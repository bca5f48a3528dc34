/**
 * @module ingest/adapters/file-intake
 * One Circular 10 file of a known station, however it arrived (FTP upload, drop folder): parse
 * it against the station's profile and symbol table, hand rows and refusals to ingest (group
 * commit, quarantine of the whole file with the reason of every refused line), and count it.
 * The returned promise settles only when the outcome is durable.
 *
 * A file seen again (same station, same bytes; a logger that re-sends after a lost 226) is
 * stored again, which the database turns into nothing (ON CONFLICT DO NOTHING), and is not
 * quarantined a second time. The memory of files is bounded (last REPEAT_MEMORY files) and not
 * kept across restarts: after a restart a repeated bad file is quarantined once more.
 */
import { timeZoneOr, utcOffsetMinutes } from '../../lib/time.js';
import { createHash } from 'node:crypto';
import { isAbsolute, join } from 'node:path';
import type { Config } from '../../config/index.js';
import type { LoadedProfile } from '../../device-profiles/index.js';
import type { Logger } from '../../lib/logger.js';
import type { Metrics } from '../../lib/metrics.js';
import type { Ingest } from '../index.js';
import type { ParseOutcome } from '../parse.js';
import type { RejectCode, Refusal } from '../../domain/reasons.js';
import type { StationDirectory } from '../../stations/directory.js';
import { buildSymbolTables, loadSymbolOverrides, type SymbolTable } from '../../formats/circular10/symbols.js';
import { parseCircular10 } from '../../formats/circular10/codec.js';

export type FileVia = 'ftp' | 'drop';
export type FileOutcome = 'accepted' | 'partial' | 'quarantined' | 'repeat' | 'refused';

export interface FileResult {
  outcome: FileOutcome;
  rows: number;
  refused: Refusal[];
}

export interface FileIntake {
  readonly symbols: ReadonlyMap<string, SymbolTable>;
  /** Parses and stores one file of a station; resolves when committed and/or quarantined. */
  receive(stationId: string, origin: string, payload: Buffer, via: FileVia): Promise<FileResult>;
  /** Keeps a file refused as a whole (too large, bad name) in quarantine with its reason. */
  refuse(stationId: string | null, origin: string, payload: Buffer, code: RejectCode, reason: string, via: FileVia): Promise<void>;
}

export interface FileIntakeDeps {
  config: Readonly<Config>;
  ingest: Ingest;
  directory: StationDirectory;
  profiles: ReadonlyMap<string, LoadedProfile>;
  metrics: Metrics;
  logger: Logger;
  now?: () => number;
}

const REPEAT_MEMORY = 20_000;

/** Where the symbol overrides file is: absolute, or relative to DATA_DIR. */
export function symbolsFilePath(config: Readonly<Config>): string {
  const f = config.circular10.symbolsFile;
  return isAbsolute(f) ? f : join(config.dataDir, f);
}

export function createFileIntake(deps: FileIntakeDeps): FileIntake {
  const { config, ingest, directory, profiles, metrics, logger } = deps;
  const now = deps.now ?? Date.now;
  const symbols = buildSymbolTables(profiles, loadSymbolOverrides(symbolsFilePath(config)));
  /** station + sha256 of files already stored; insertion order = age (a Map is an LRU here). */
  const seen = new Map<string, true>();

  function remember(key: string): void {
    seen.delete(key);
    seen.set(key, true);
    if (seen.size > REPEAT_MEMORY) seen.delete(seen.keys().next().value!);
  }

  return {
    symbols,
    async receive(stationId, origin, payload, via) {
      const station = directory.get(stationId);
      const loaded = station ? profiles.get(station.profileId) : undefined;
      const table = station ? symbols.get(station.profileId) : undefined;
      if (!station || !loaded || !table) {
        const r = await ingest.handleParsed(stationId, { rows: [], refused: [], readingCount: 0 }, payload, 'file', origin);
        metrics.filesReceived.inc({ via, outcome: 'refused' });
        return { outcome: 'refused', rows: 0, refused: r.refused };
      }
      let outcome: ParseOutcome = parseCircular10(payload, {
        profile: loaded.profile,
        symbols: table,
        // the file's local times are the station's (its zone, else the agency's; Vietnam when both are unknown), at the offset of now
        utcOffsetMinutes: utcOffsetMinutes(timeZoneOr(station.timezone, timeZoneOr(config.timezone)), now()),
        now: now(),
        maxFutureSkewMs: config.ingest.maxFutureSkewSeconds * 1000,
        maxBytes: config.circular10.maxFileBytes,
        maxLines: config.ingest.maxReadingsPerMessage,
      });
      const key = `${stationId}\u0000${createHash('sha256').update(payload).digest('base64')}`;
      const repeat = seen.has(key);
      const refused = outcome.refused;
      // A second copy is stored again (a no-op) but not quarantined again.
      if (repeat) outcome = { ...outcome, refused: [] };
      const result = await ingest.handleParsed(stationId, outcome, payload, 'file', origin);
      remember(key);
      const fileOutcome: FileOutcome = repeat ? 'repeat' : refused.length === 0 ? 'accepted' : result.rows > 0 ? 'partial' : 'quarantined';
      metrics.filesReceived.inc({ via, outcome: fileOutcome });
      if (refused.length > 0 && !repeat) logger.info({ stationId, origin, refused: refused.length, rows: result.rows }, 'file lines refused; kept in quarantine');
      return { outcome: fileOutcome, rows: result.rows, refused };
    },
    async refuse(stationId, origin, payload, code, reason, via) {
      const refused: Refusal[] = [{ index: null, code, reason }];
      metrics.filesReceived.inc({ via, outcome: 'refused' });
      logger.warn({ stationId, origin, code, reason }, 'file refused');
      if (stationId === null) return; // nothing to attribute it to: logged and counted above
      await ingest.handleParsed(stationId, { rows: [], refused, readingCount: 0 }, payload, 'file', origin);
    },
  };
}
