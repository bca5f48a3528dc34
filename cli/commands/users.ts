/**
 * @module cli/commands/users
 * `quantrac users add|reset-password`: through the running app's API, or in the database when
 * the app is stopped. The new password comes from --password or QUANTRAC_NEW_PASSWORD; without
 * either one is generated and printed once (only its hash is stored).
 */
import { generateSecret, hashSecret } from '../../lib/passwords.js';
import { getUserByName, upsertUser, type Role } from '../../store/users.js';
import { API_FLAGS, type Group } from '../command.js';
import { CliError, option, usageError, type Args, type Context } from '../context.js';
import { closeTarget, reach } from '../target.js';

const ROLES: readonly Role[] = ['viewer', 'operator', 'reviewer', 'admin'];
const USERNAME = /^[A-Za-z0-9_.@-]{2,64}$/;
const MODES = `Runs through the running app's API with --url (QUANTRAC_URL) and --token (QUANTRAC_TOKEN) or
--user/--password (QUANTRAC_PASSWORD); when the app is stopped, in the database (DATA_DIR or DATABASE_URL).
The new user's password: --new-password or QUANTRAC_NEW_PASSWORD (at least 8 characters), else generated and printed once.`;

function newPassword(ctx: Context, args: Args): { password: string; generated: boolean } {
  const given = option(args, 'new-password', 'QUANTRAC_NEW_PASSWORD', ctx.env);
  if (given !== undefined && given.length < 8) throw usageError('the new password must have at least 8 characters');
  return given ? { password: given, generated: false } : { password: generateSecret(12), generated: true };
}

/** Creates or updates a user through the API or the database; `role` undefined = keep the existing role (the user must exist). */
async function setUser(ctx: Context, args: Args, username: string, role: Role | undefined, password: string): Promise<Role> {
  const target = await reach(ctx, args);
  try {
    if (target.kind === 'api') {
      let finalRole = role;
      if (!finalRole) {
        const users = (await target.api.json<{ data: Array<{ username: string; role: Role }> }>('GET', '/api/v1/users')).data;
        finalRole = users.find((u) => u.username === username)?.role;
        if (!finalRole) throw new CliError(`user ${username} does not exist`);
      }
      await target.api.json('POST', '/api/v1/users', { username, password, role: finalRole });
      return finalRole;
    }
    const finalRole = role ?? (await getUserByName(target.db, username))?.role;
    if (!finalRole) throw new CliError(`user ${username} does not exist`);
    await upsertUser(target.db, username, await hashSecret(password), finalRole);
    return finalRole;
  } finally {
    await closeTarget(target);
  }
}

export const users: Group = {
  name: 'users',
  summary: 'Create users of the dashboard and API, reset their passwords.',
  commands: [
    {
      name: 'add',
      usage: 'users add USERNAME --role viewer|operator|admin [--new-password P]',
      summary: 'Creates a user (or sets the role and password of an existing one).',
      help: `${MODES}\n\nExample:\n  QUANTRAC_NEW_PASSWORD='a long passphrase' quantrac users add lan.nguyen --role operator`,
      flags: ['role', 'new-password', ...API_FLAGS],
      positionals: 1,
      async run(ctx, args) {
        const username = args.positionals[0]!;
        if (!USERNAME.test(username)) throw usageError(`username "${username}": 2 to 64 letters, digits, _ . @ -`);
        const role = args.flags.get('role') as Role | undefined;
        if (!role || !ROLES.includes(role)) throw usageError(`--role must be one of ${ROLES.join(', ')}`);
        const { password, generated } = newPassword(ctx, args);
        await setUser(ctx, args, username, role, password);
        ctx.out(`user ${username} (${role}) saved${generated ? `\npassword: ${password}   (generated now, shown once)` : ''}\n`);
      },
    },
    {
      name: 'reset-password',
      usage: 'users reset-password USERNAME [--new-password P]',
      summary: 'Sets a new password for an existing user (its role is kept).',
      help: `${MODES}\n\nExample:\n  quantrac users reset-password admin`,
      flags: ['new-password', ...API_FLAGS],
      positionals: 1,
      async run(ctx, args) {
        const username = args.positionals[0]!;
        const { password, generated } = newPassword(ctx, args);
        const role = await setUser(ctx, args, username, undefined, password);
        ctx.out(`password of ${username} (${role}) reset${generated ? `\npassword: ${password}   (generated now, shown once)` : ''}\n`);
      },
    },
  ],
};
