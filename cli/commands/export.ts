/**
 * @module cli/commands/export
 * `quantrac export`: raw readings as CSV or NDJSON from the running app's GET /api/v1/export,
 * streamed to a file or stdout in constant memory (the API pages the database by keyset).
 */
import { createWriteStream } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { API_FLAGS, type Group } from '../command.js';
import { CliError, option, required } from '../context.js';
import { reach } from '../target.js';

export const exportGroup: Group = {
  name: 'export',
  summary: 'Raw readings as CSV or NDJSON, from the running app.',
  commands: [
    {
      name: 'export',
      usage: 'export --stations A,B --from ISO --to ISO [--metric pm25,pm10] [--format csv|ndjson] [--quality all|valid] [--out FILE]',
      summary: 'Writes raw readings (ts, station, metric, value, unit, quality) to FILE or stdout.',
      help: `Goes through the running app's API: --url (QUANTRAC_URL) with --token (QUANTRAC_TOKEN) or --user/--password.
Long ranges are limited by ANALYTICS_MAX_EXPORT_DAYS (400 days by default): export year by year.

Example:
  quantrac export --url http://localhost:8080 --token "$QUANTRAC_TOKEN" --stations HN-0001,HN-0002 \\
    --from 2025-01-01T00:00:00+07:00 --to 2025-02-01T00:00:00+07:00 --out jan.csv`,
      flags: ['stations', 'from', 'to', 'metric', 'format', 'quality', 'out', ...API_FLAGS],
      async run(ctx, args) {
        const q = new URLSearchParams({ stations: required(args, 'stations'), from: required(args, 'from'), to: required(args, 'to') });
        for (const name of ['metric', 'format', 'quality'] as const) {
          const v = option(args, name);
          if (v !== undefined) q.set(name, v);
        }
        const target = await reach(ctx, args);
        if (target.kind !== 'api') {
          await target.db.close();
          throw new CliError('export goes through the running app: start Quantrac, or pass --url (QUANTRAC_URL)');
        }
        const res = await target.api.raw('GET', `/api/v1/export?${q.toString()}`);
        if (!res.body) throw new CliError('the export answer has no body');
        const body = Readable.fromWeb(res.body as WebReadableStream<Uint8Array>);
        const out = option(args, 'out');
        if (out) {
          await pipeline(body, createWriteStream(out));
          ctx.err(`written to ${out}\n`);
        } else {
          const decoder = new TextDecoder();
          for await (const chunk of body) ctx.out(decoder.decode(chunk as Uint8Array, { stream: true }));
          ctx.out(decoder.decode());
        }
      },
    },
  ],
};
