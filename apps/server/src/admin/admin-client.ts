import { request } from 'node:http';
import { existsSync } from 'node:fs';
import { AdminResponse } from './protocol.ts';

/** Nothing answered: no server owns the data directory, so the CLI may open it itself. */
const NOBODY_THERE = new Set(['ENOENT', 'ECONNREFUSED']);

/**
 * Runs a CLI command inside the server that owns the data directory. Answers null when no server
 * listens on the socket; any other failure is an error, because the command may have run.
 */
export async function sendToAdminSocket(socketPath: string, argv: readonly string[], timeoutMs = 60_000): Promise<AdminResponse | null> {
  if (!existsSync(socketPath)) return null;
  const payload = JSON.stringify({ argv });
  return new Promise((resolve, reject) => {
    const req = request(
      {
        socketPath,
        path: '/cli',
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(payload) },
        agent: false,
        timeout: timeoutMs,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          if (res.statusCode !== 200) {
            reject(new Error(`the server refused the command (HTTP ${res.statusCode}): ${text}`));
            return;
          }
          try {
            resolve(AdminResponse.parse(JSON.parse(text)));
          } catch {
            reject(new Error('the server answered the command with something that is not a CLI result'));
          }
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`the server did not answer on ${socketPath} within ${timeoutMs / 1000} s`)));
    req.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code && NOBODY_THERE.has(err.code)) resolve(null);
      else reject(err);
    });
    req.end(payload);
  });
}
