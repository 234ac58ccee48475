import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { connect } from 'node:net';
import { chmod, lstat, unlink } from 'node:fs/promises';
import type { AppDeps } from '../context.ts';
import { runCli } from '../cli/run-cli.ts';
import { ADMIN_REQUEST_LIMIT_BYTES, AdminRequest, adminSocketPath, type AdminResponse } from './protocol.ts';

export interface AdminSocket {
  /** null when no socket was started (Postgres, or a database the server did not open itself). */
  readonly path: string | null;
  stop(): Promise<void>;
}

/** Linux allows 107 bytes in a unix socket path, macOS 103; stay within both. */
const MAX_SOCKET_PATH_BYTES = 103;

/** Does a process answer on this socket? ECONNREFUSED means a file left behind by a process that died. */
function isLive(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = connect(path);
    probe.once('connect', () => {
      probe.destroy();
      resolve(true);
    });
    probe.once('error', () => resolve(false));
  });
}

async function removeStale(path: string): Promise<void> {
  const stat = await lstat(path).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return null;
    throw err;
  });
  if (!stat) return;
  if (!stat.isSocket()) throw new Error(`${path} exists and is not a socket; move it away before starting Greenlight`);
  if (await isLive(path)) {
    throw new Error(
      `another Greenlight process is serving ${path}: only one process may own a PGlite data directory at a time`,
    );
  }
  await unlink(path);
}

function trySetUmask(mask: number): number | null {
  try {
    return process.umask(mask);
  } catch {
    return null;
  }
}

async function readBody(req: IncomingMessage): Promise<string | null> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > ADMIN_REQUEST_LIMIT_BYTES) return null;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function send(res: ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { 'Content-Type': 'application/json', Connection: 'close' });
  res.end(JSON.stringify(body));
}

/**
 * PGlite is one process's in-memory Postgres: a second process must not open the same data
 * directory. So while the server owns it, the CLI sends its arguments here and the server runs
 * the very same command functions against its own Database.
 *
 * Access control is the file system: the socket is created with mode 0600 inside the data
 * directory, so only the user running the server can connect. There is no other authentication,
 * and the socket is never exposed over TCP. It does not protect against a second process that
 * opens the data directory without asking (an older CLI, a copy of the directory).
 */
export async function startAdminSocket(deps: AppDeps, options: { ownsDataDir: boolean }): Promise<AdminSocket> {
  if (!options.ownsDataDir || deps.db.kind !== 'pglite') return { path: null, stop: async () => {} };
  const path = adminSocketPath(deps.config);
  if (Buffer.byteLength(path) > MAX_SOCKET_PATH_BYTES) {
    throw new Error(`the admin socket path ${path} is longer than ${MAX_SOCKET_PATH_BYTES} bytes; use a shorter GREENLIGHT_DATA_DIR`);
  }
  await removeStale(path);

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    if (req.url !== '/cli') return send(res, 404, { error: 'not found' });
    if (req.method !== 'POST') return send(res, 405, { error: 'use POST' });
    const raw = await readBody(req);
    if (raw === null) return send(res, 413, { error: 'request too large' });
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch {
      return send(res, 400, { error: 'body is not valid JSON' });
    }
    const parsed = AdminRequest.safeParse(json);
    if (!parsed.success) return send(res, 400, { error: 'body must be {"argv": [string, ...]}' });

    const { argv } = parsed.data;
    // Only the command's name is logged: arguments can hold email addresses.
    deps.logger.info({ command: argv.filter((a) => !a.startsWith('-')).slice(0, 2).join(' ') }, 'admin command');
    const result: AdminResponse = await runCli(argv, { config: deps.config, withDatabase: (fn) => fn(deps.db) });
    send(res, 200, result);
  };
  // A client that hangs up mid-request must not become an unhandled rejection in the server.
  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      deps.logger.warn({ err }, 'admin request failed');
      if (!res.headersSent) send(res, 500, { error: 'internal error' });
      else res.destroy();
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    // The file gets its mode when it is bound, synchronously inside listen(): a umask around that
    // call makes it 0600 from the first instant. Worker threads cannot set a umask; the chmod
    // below covers them (and any platform that ignores the umask for sockets).
    const previousUmask = trySetUmask(0o177);
    try {
      server.listen(path, () => {
        server.off('error', reject);
        resolve();
      });
    } finally {
      if (previousUmask !== null) process.umask(previousUmask);
    }
  });
  await chmod(path, 0o600);
  deps.logger.info({ path }, 'admin socket listening');

  let stopping: Promise<void> | undefined;
  return {
    path,
    stop: () =>
      (stopping ??= (async () => {
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeIdleConnections();
        });
        // Closing the listener normally removes the file; make sure, without failing if it is gone.
        await unlink(path).catch(() => {});
      })()),
  };
}
