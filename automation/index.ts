/**
 * @module automation
 * Node-RED, embedded: the editor and admin API at /red, HTTP-in nodes under /red/api, userDir and
 * flows in DATA_DIR/node-red. The Quantrac nodes (automation/nodes/) reach the platform through
 * the in-process host API below, never over HTTP back to ourselves.
 *
 * Access: Node-RED's adminAuth is backed by Quantrac's users: only users with the admin role can
 * sign in to the editor (same username and password as the API), and every admin API call needs the
 * bearer token Node-RED issues (POST /red/auth/token), or the operations center's session cookie
 * of an admin (adminAuth.tokens, below): an admin who opens /red/ from the page is not asked to
 * sign in again. Anyone else gets 401. The flows' HTTP-in
 * endpoints under /red/api need a Quantrac token or session (viewer for GET, operator otherwise:
 * automation/http-auth.ts) unless NODE_RED_HTTP_ANONYMOUS is set, which is logged at start.
 *
 * Offline: no palette manager, no external modules, no telemetry or update checks; nothing at start
 * waits on the network. Node-RED is a process-wide singleton: one app per process embeds it.
 */
import { createError } from '../lib/errors.js';
import { copyFileSync, existsSync, mkdirSync, readdirSync } from 'node:fs';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateSecret, verifySecret } from '../lib/passwords.js';
import { getUserByName, initSetting } from '../store/users.js';
import { createHostApi, type HostDeps, type LoadShedder, type QuantracHost } from './host.js';
import type { Security } from '../security/index.js';
import type { TokenService } from '../auth/tokens.js';
import { SESSION_COOKIE, cookieValue } from '../auth/session-cookie.js';
import { httpNodeAuth } from './http-auth.js';

const require = createRequire(import.meta.url);

export const NODES_DIR = fileURLToPath(new URL('./nodes/', import.meta.url));
const EXAMPLES_DIR = fileURLToPath(new URL('./nodes/examples/', import.meta.url));

type Handler = (req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void) => void;
interface ExpressApp extends Handler {
  use(path: string, handler: Handler): void;
  disable(setting: string): void;
}

interface NodeRedRuntime {
  init(server: Server, settings: Record<string, unknown>): void;
  start(): Promise<void>;
  stop(): Promise<void>;
  httpAdmin: Handler;
  httpNode: Handler;
}

/** What the host API needs (its base URL comes from config.automation.publicUrl). */
export type AutomationDeps = Omit<HostDeps, 'baseUrl'> & {
  /**
   * The login guard and audit log (security/). Node-RED's login does not see the caller's address,
   * so each account gets its own pseudo-address `node-red:<user>`: failures there lock that
   * account's Node-RED logins (never the API's), doubling up to LOGIN_LOCKOUT_MAX_S.
   */
  security?: Pick<Security, 'guard' | 'audit'> | undefined;
  /** Checks the callers of the flows' HTTP-in endpoints (Quantrac session and API tokens). */
  tokens: TokenService;
};

export interface Automation {
  /** Handles a request under /red; returns false for any other path. */
  handle(req: IncomingMessage, res: ServerResponse): boolean;
  host: QuantracHost & { shedder: LoadShedder };
  close(): Promise<void>;
}

let embedded = false;

const LEVELS: Record<number, 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace'> = { 10: 'fatal', 20: 'error', 30: 'warn', 40: 'info', 50: 'debug', 60: 'trace' };

/**
 * Starts Node-RED on `server` (the HTTP server the API also uses). Requests reach it through
 * `handle()`, which the HTTP server's request dispatcher calls for paths under /red.
 */
export async function startAutomation(server: Server, deps: AutomationDeps): Promise<Automation> {
  if (embedded) throw createError('QT_ERR_AUTOMATION', 'Node-RED is already embedded in this process (it is a process-wide singleton)');
  embedded = true;
  const { config, db, logger } = deps;
  const log = logger.child({ component: 'node-red' });
  const userDir = join(config.dataDir, 'node-red');
  mkdirSync(userDir, { recursive: true });
  installExampleFlows(userDir);

  const host = createHostApi({ ...deps, baseUrl: config.automation.publicUrl });
  const credentialSecret = await initSetting(db, 'node-red.credential_secret', generateSecret(32));

  const adminUser = async (username: string) => {
    const user = await getUserByName(db, username);
    return user && user.role === 'admin' ? { username: user.username, permissions: '*' } : null;
  };

  if (config.automation.httpAnonymous) {
    log.warn('NODE_RED_HTTP_ANONYMOUS is on: the HTTP-in endpoints of flows under /red/api answer anyone, without a Quantrac token');
  }

  const settings: Record<string, unknown> = {
    httpAdminRoot: '/red',
    httpNodeRoot: '/red/api',
    // Node-RED runs this before every `http in` route of a flow.
    ...(config.automation.httpAnonymous ? {} : { httpNodeMiddleware: httpNodeAuth({ tokens: deps.tokens, logger: log }) }),
    userDir,
    flowFile: 'flows.json',
    credentialSecret,
    nodesDir: [NODES_DIR],
    adminAuth: {
      type: 'credentials',
      sessionExpiryTime: 12 * 3600,
      users: (username: string) => adminUser(username),
      authenticate: async (username: string, password: string) => {
        const security = deps.security;
        const source = `node-red:${username}`;
        const record = (outcome: 'ok' | 'denied' | 'locked') => security?.audit.record({ actor: username, role: null, sourceIp: null, action: 'node-red.login', outcome });
        if (security && !security.guard.check('user', username, source).allowed) {
          record('locked');
          return null;
        }
        const user = await getUserByName(db, username);
        const ok = !!user && user.role === 'admin' && (await verifySecret(password, user.passwordHash));
        if (!ok) {
          record('denied');
          security?.guard.failure('user', username, source);
          return null;
        }
        security?.guard.success('user', username, source);
        record('ok');
        return { username: user.username, permissions: '*' };
      },
      default: null,
      // The dashboard's session reused: Node-RED hands the request's Cookie header (HTTP and the
      // editor's WebSocket upgrade) to \`tokens\` when it carries no Node-RED token of its own.
      // The cookie is SameSite=Strict, so another site cannot make a browser send it here.
      tokenHeader: 'cookie',
      tokens: async (cookieHeader: string) => {
        const value = cookieValue(cookieHeader, SESSION_COOKIE);
        const claims = value ? deps.tokens.verify(value) : undefined;
        if (!claims || claims.role !== 'admin' || claims.readOnly || !(await deps.tokens.stillValid(claims))) return null;
        // the role now, not the one signed into the cookie
        return adminUser(claims.sub);
      },
    },
    // A function node that loops forever is stopped after this long instead of freezing ingest:
    // globalFunctionTimeout applies to every function node whose own timeout is 0 (the default),
    // functionTimeout is what the editor proposes for new ones.
    globalFunctionTimeout: config.automation.functionTimeoutSeconds,
    functionTimeout: config.automation.functionTimeoutSeconds,
    functionExternalModules: false,
    externalModules: { autoInstall: false, palette: { allowInstall: false, allowUpload: false, allowUpdate: false }, modules: { allowInstall: false } },
    editorTheme: {
      page: { title: 'Quantrac · Node-RED' },
      header: { title: 'Quantrac automations' },
      palette: { catalogues: [] },
      projects: { enabled: false },
      tours: false,
      multiplayer: { enabled: false },
    },
    diagnostics: { enabled: false, ui: false },
    runtimeState: { enabled: false, ui: false },
    telemetry: { enabled: false, updateNotification: false },
    exportGlobalContextKeys: false,
    logging: {
      quantrac: {
        level: 'info',
        metrics: false,
        audit: false,
        handler: () => (msg: { level: number; msg?: unknown; type?: string; id?: string }) => {
          const level = LEVELS[msg.level] ?? 'info';
          log[level]({ node: msg.id, type: msg.type }, typeof msg.msg === 'string' ? msg.msg : JSON.stringify(msg.msg));
        },
      },
      // Node-RED's audit events of changes made in the editor (deploys, nodes installed, context
      // deleted…) go to Quantrac's audit log; reads and Node-RED's own login events are left out
      // (logins are recorded by adminAuth.authenticate above).
      ...(deps.security
        ? {
            quantracAudit: {
              level: 'off',
              metrics: false,
              audit: true,
              handler: () => (msg: { level: number; event?: unknown; user?: { username?: unknown }; path?: unknown; ip?: unknown; error?: unknown }) => {
                const event = typeof msg.event === 'string' ? msg.event : '';
                if (msg.level !== 98 || !/\.(set|add|update|remove|delete|install|uninstall|post)$/.test(event)) return;
                deps.security!.audit.record({
                  actor: typeof msg.user?.username === 'string' ? msg.user.username : '-',
                  role: 'admin',
                  sourceIp: typeof msg.ip === 'string' ? msg.ip : null,
                  action: `node-red.${event}`,
                  target: typeof msg.path === 'string' ? msg.path : null,
                  outcome: msg.error ? 'failed' : 'ok',
                  details: msg.error ? { error: String(msg.error) } : {},
                });
              },
            },
          }
        : {}),
    },
    // The Quantrac nodes find the host API here (RED.settings.quantrac).
    quantrac: host,
  };

  const RED = require('node-red') as NodeRedRuntime;
  RED.init(server, settings);
  await RED.start();
  // Node-RED's routers expect to be mounted by express 4 (req.baseUrl, req.originalUrl).
  const express = require('express') as () => ExpressApp;
  const app = express();
  app.disable('x-powered-by');
  app.use('/red/api', RED.httpNode);
  app.use('/red', RED.httpAdmin);

  return {
    host,
    handle(req, res) {
      const url = req.url ?? '';
      if (!(url === '/red' || url.startsWith('/red/') || url.startsWith('/red?'))) return false;
      app(req, res, (err?: unknown) => {
        if (err) log.error({ err }, 'Node-RED request failed');
        if (!res.headersSent) {
          res.statusCode = err ? 500 : 404;
          res.end();
        }
      });
      return true;
    },
    async close() {
      host.close();
      await RED.stop();
    },
  };
}

/** Copies the example flows into the editor's library (Import → Local library → quantrac). */
function installExampleFlows(userDir: string): void {
  if (!existsSync(EXAMPLES_DIR)) return;
  const target = join(userDir, 'lib', 'flows', 'quantrac');
  mkdirSync(target, { recursive: true });
  for (const file of readdirSync(EXAMPLES_DIR)) {
    if (file.endsWith('.json')) copyFileSync(join(EXAMPLES_DIR, file), join(target, file));
  }
}
