/**
 * @module ingest/adapters/ftp-commands
 * Quantrac's own handlers for the FTP commands whose replies ftp-srv 4.6 gets wrong for us, run
 * in front of ftp-srv's command table for each connection:
 *
 * - `RETR`, `DELE`, `RNFR`, `RNTO` answer **550** "not allowed" (stations only upload): ftp-srv
 *   answers a blacklisted command 502, and its RETR asks for a data connection before the file
 *   system can refuse (then 425 or 551).
 * - `STOR` answers **552** for a file over the size limit (ftp-srv's STOR answers every failure
 *   550). Otherwise it is ftp-srv's STOR (src/commands/registration/stor.js) step for step.
 * - `USER` may be refused with **530** before the password is sent in clear, when the TLS policy
 *   (FTP_REQUIRE_TLS) requires AUTH TLS first.
 *
 * How: ftp-srv has no declared seam for a command's reply, so on its `connect` event each
 * connection gets a `StationCommands` (a subclass of ftp-srv's per-connection command dispatcher,
 * src/commands/index.js) that answers our directives and hands every other one, unchanged, to
 * ftp-srv's own `handle()`. Nothing of ftp-srv's prototypes or command registry is modified.
 */
import { createRequire } from 'node:module';
import type { Writable } from 'node:stream';
import { FtpRefusal } from './ftp-filesystem.js';

const require = createRequire(import.meta.url);

/** One command line as ftp-srv parses it. */
export interface FtpCommand {
  directive: string;
  arg: string | null;
  flags: string[];
  raw: string;
}

interface DataSocket extends NodeJS.ReadableStream {
  writable: boolean;
  end(): void;
  destroy(err?: Error): void;
  resume(): this;
}

/** The parts of ftp-srv's connection (src/connection.js) the handlers below use. */
export interface FtpConnectionInternals extends NodeJS.EventEmitter {
  readonly ip: string | undefined;
  readonly secure: boolean;
  authenticated?: boolean;
  commands: unknown;
  restByteCount: number | undefined;
  commandSocket: { pause(): void; resume(): void };
  connector: { waitForConnection(): Promise<unknown>; socket: DataSocket | null; end(): void };
  fs?: { write(fileName: string, options: { append: boolean; start: number | undefined }): { stream: Writable; clientPath: string } } | undefined;
  reply(code: number, message?: string): Promise<unknown>;
}

/**
 * A handler answers one directive; `next()` runs ftp-srv's own handling of the command instead.
 * Handlers of commands other than USER run only on a logged-in connection (before login ftp-srv answers 530).
 */
export type CommandHandler = (connection: FtpConnectionInternals, command: FtpCommand, next: () => Promise<unknown>) => Promise<unknown>;

interface FtpCommandsBase {
  previousCommand: unknown;
  parse(message: string): FtpCommand;
  handle(command: string | FtpCommand): Promise<unknown>;
}
// ftp-srv's per-connection dispatcher: parse, blacklist, 530 before login, command table.
const FtpCommands = require('ftp-srv/src/commands/index.js') as new (connection: unknown) => FtpCommandsBase;

const NO_LOGIN_NEEDED = new Set(['USER']);

class StationCommands extends FtpCommands {
  constructor(
    private readonly conn: FtpConnectionInternals,
    private readonly handlers: Readonly<Record<string, CommandHandler>>,
  ) {
    super(conn);
  }

  override handle(input: string | FtpCommand): Promise<unknown> {
    const command = typeof input === 'string' ? this.parse(input) : input;
    const own = this.handlers[command.directive];
    if (!own || !(this.conn.authenticated || NO_LOGIN_NEEDED.has(command.directive))) return super.handle(command);
    return own(this.conn, command, () => super.handle(command)).then(() => {
      this.previousCommand = { ...command };
    });
  }
}

/** Puts `handlers` in front of ftp-srv's commands on this connection (call it from the server's `connect` event). */
export function useStationCommands(connection: FtpConnectionInternals, handlers: Readonly<Record<string, CommandHandler>>): void {
  connection.commands = new StationCommands(connection, handlers);
}

/** A handler that always answers 550 with `message`. */
export function refuseWith550(message: string, onRefused?: (connection: FtpConnectionInternals, command: FtpCommand) => void): CommandHandler {
  return async function refuse(connection, command) {
    onRefused?.(connection, command);
    await connection.reply(550, `${command.directive} not allowed: ${message}`);
    // a data connection opened for it (PASV before RETR) is not used
    connection.connector.end();
  };
}

/**
 * STOR with the reply code of the refusal: ftp-srv's STOR, except that an `FtpRefusal` carrying
 * 552 (file over the size limit) is answered 552 instead of 550, and the data connection is
 * closed after the reply. `226` goes out only when the file system's write stream has finished,
 * i.e. after the file is stored (see ftp-receiver.ts).
 */
export const storeFile: CommandHandler = async function storeFile(connection, command) {
  const fs = connection.fs;
  if (!fs) return connection.reply(550, 'File system not instantiated');
  const fileName = command.arg ?? '';
  try {
    await connection.connector.waitForConnection();
    connection.commandSocket.pause();
    const written = fs.write(fileName, { append: false, start: connection.restByteCount });
    const clientPath = written.clientPath;
    const stream = written.stream;
    const socket = connection.connector.socket!;
    connection.restByteCount = 0;
    await connection.reply(150);
    // A refused file (too large, not stored) is answered on the control connection first and
    // the data connection closed after (finally), so the client reads the reply, not a reset.
    const streamDone = new Promise<void>((resolve, reject) => {
      stream.once('error', reject);
      stream.once('finish', () => resolve());
    });
    const socketDone = new Promise<void>((resolve, reject) => {
      socket.pipe(stream, { end: false }); // resumes the paused data socket
      socket.once('end', () => {
        if (stream.listenerCount('close')) stream.emit('close');
        else stream.end();
        resolve();
      });
      socket.once('error', (err: Error) => {
        stream.destroy(err);
        reject(err);
      });
    });
    await Promise.all([streamDone, socketDone]);
    connection.emit('STOR', null, clientPath);
    await connection.reply(226, clientPath);
    stream.destroy();
  } catch (err) {
    if ((err as Error).name === 'TimeoutError') {
      await connection.reply(425, 'No connection established');
    } else {
      connection.emit('STOR', err);
      await connection.reply(err instanceof FtpRefusal && err.code === 552 ? 552 : 550, (err as Error).message);
    }
  } finally {
    connection.connector.end();
    connection.commandSocket.resume();
  }
};

/** How FTP_REQUIRE_TLS applies: `off`, `remote` (every client but loopback), `all`. */
export type FtpTlsPolicy = 'off' | 'remote' | 'all';

/** 127.0.0.0/8, ::1 and their IPv4-mapped forms. */
export function isLoopback(ip: string | undefined): boolean {
  if (!ip) return false;
  const v4 = ip.startsWith('::ffff:') ? ip.slice(7) : ip;
  return v4 === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(v4);
}

/** Whether a client at `ip` must send AUTH TLS before it logs in. */
export function tlsRequired(policy: FtpTlsPolicy, ip: string | undefined, loopback: (ip: string | undefined) => boolean = isLoopback): boolean {
  return policy === 'all' || (policy === 'remote' && !loopback(ip));
}
