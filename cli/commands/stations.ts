/**
 * @module cli/commands/stations
 * `quantrac stations add|list|rotate-secret`: through the running app's API (which keeps its
 * station directory and the broker's credential cache in step), or in the database when the
 * app is stopped. A station's secret is printed once, as the API shows it once; only its hash is stored.
 */
import { loadProfiles } from '../../device-profiles/index.js';
import { STATION_ID_PATTERN } from '../../domain/topics.js';
import { generateSecret, hashSecret } from '../../lib/passwords.js';
import { createStation, getStation, listStations, setSecretHash, syncProfiles } from '../../store/stations.js';
import { API_FLAGS, type Group } from '../command.js';
import { CliError, numberOption, option, required, table, usageError } from '../context.js';
import { closeTarget, reach } from '../target.js';

const MODES = `Runs through the running app's API with --url (QUANTRAC_URL) and --token (QUANTRAC_TOKEN) or
--user/--password (QUANTRAC_PASSWORD); when the app is stopped, in the database (DATA_DIR or DATABASE_URL).`;

interface StationJson {
  id: string;
  name: string;
  profile: string;
  lat: number;
  lon: number;
  province: string | null;
  enabled: boolean;
}

export const stations: Group = {
  name: 'stations',
  summary: 'Register stations, list them, replace their MQTT secret.',
  commands: [
    {
      name: 'add',
      usage: 'stations add ID --name NAME --profile PROFILE --lat LAT --lon LON [--province P] [--timezone TZ]',
      summary: 'Registers a station and prints its MQTT secret (shown once).',
      help: `${MODES}\n\nExample:\n  quantrac stations add HN-0001 --name "Hoàn Kiếm" --profile air-quality --lat 21.03 --lon 105.85 --province "Hà Nội"`,
      flags: ['name', 'profile', 'lat', 'lon', 'province', 'timezone', ...API_FLAGS],
      booleans: ['json'],
      positionals: 1,
      async run(ctx, args) {
        const id = args.positionals[0]!;
        if (!STATION_ID_PATTERN.test(id)) throw usageError(`station id "${id}": letters, digits, _ and -, at most 64`);
        const lat = numberOption(args, 'lat');
        const lon = numberOption(args, 'lon');
        if (lat === undefined || lon === undefined) throw usageError('--lat and --lon are required');
        const timezone = option(args, 'timezone');
        const input = {
          id,
          name: required(args, 'name'),
          profile: required(args, 'profile'),
          lat,
          lon,
          province: option(args, 'province') ?? null,
          ...(timezone ? { timezone } : {}),
        };
        const target = await reach(ctx, args);
        let secret: string;
        try {
          if (target.kind === 'api') {
            secret = (await target.api.json<{ secret: string }>('POST', '/api/v1/stations', input)).secret;
          } else {
            const profiles = loadProfiles();
            if (!profiles.has(input.profile)) throw new CliError(`unknown device profile "${input.profile}"; known: ${[...profiles.keys()].join(', ')}`);
            await syncProfiles(
              target.db,
              [...profiles.values()].map((p) => p.profile),
            );
            secret = generateSecret();
            const created = await createStation(target.db, { ...input, profileId: input.profile }, await hashSecret(secret));
            if (!created) throw new CliError(`a station with id ${id} already exists`);
          }
        } finally {
          await closeTarget(target);
        }
        if (args.flags.has('json')) ctx.out(JSON.stringify({ id, secret }) + '\n');
        else ctx.out(`station ${id} registered\nMQTT username/client id: ${id}   topic: stations/${id}/readings\nsecret: ${secret}   (shown once: give it to the station now)\n`);
      },
    },
    {
      name: 'list',
      usage: 'stations list [--profile P] [--province P] [--json]',
      summary: 'Lists the registered stations.',
      help: MODES,
      flags: ['profile', 'province', ...API_FLAGS],
      booleans: ['json'],
      async run(ctx, args) {
        const profile = option(args, 'profile');
        const province = option(args, 'province');
        const target = await reach(ctx, args);
        let list: StationJson[];
        try {
          if (target.kind === 'api') {
            const q = new URLSearchParams({ ...(profile ? { profile } : {}), ...(province ? { province } : {}) }).toString();
            list = (await target.api.json<{ data: StationJson[] }>('GET', `/api/v1/stations${q ? `?${q}` : ''}`)).data;
          } else {
            list = (await listStations(target.db, { profileId: profile, province })).map((s) => ({
              id: s.id,
              name: s.name,
              profile: s.profileId,
              lat: s.lat,
              lon: s.lon,
              province: s.province,
              enabled: s.enabled,
            }));
          }
        } finally {
          await closeTarget(target);
        }
        if (args.flags.has('json')) {
          ctx.out(JSON.stringify(list.map(({ id, name, profile: p, lat, lon, province: pr, enabled }) => ({ id, name, profile: p, lat, lon, province: pr, enabled }))) + '\n');
          return;
        }
        ctx.out(table([['ID', 'NAME', 'PROFILE', 'PROVINCE', 'LAT', 'LON', 'ENABLED'], ...list.map((s) => [s.id, s.name, s.profile, s.province, s.lat, s.lon, s.enabled])]));
        ctx.out(`${list.length} station${list.length === 1 ? '' : 's'}\n`);
      },
    },
    {
      name: 'rotate-secret',
      usage: 'stations rotate-secret ID',
      summary: "Replaces a station's MQTT secret and prints the new one (the old one stops working at once).",
      help: MODES,
      flags: [...API_FLAGS],
      booleans: ['json'],
      positionals: 1,
      async run(ctx, args) {
        const id = args.positionals[0]!;
        const target = await reach(ctx, args);
        let secret: string;
        try {
          if (target.kind === 'api') {
            secret = (await target.api.json<{ secret: string }>('POST', `/api/v1/stations/${encodeURIComponent(id)}/rotate-secret`)).secret;
          } else {
            if (!(await getStation(target.db, id))) throw new CliError(`station ${id} does not exist`);
            secret = generateSecret();
            await setSecretHash(target.db, id, await hashSecret(secret));
          }
        } finally {
          await closeTarget(target);
        }
        if (args.flags.has('json')) ctx.out(JSON.stringify({ id, secret }) + '\n');
        else ctx.out(`new secret of ${id}: ${secret}   (shown once; the old secret no longer works)\n`);
      },
    },
  ],
};
