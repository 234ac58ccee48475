import { createServer } from 'node:http';
import { listenOnLoopback } from './loopback.ts';

/** Response headers that describe the bytes as they travelled to the proxy, not as it sends them on. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'content-encoding', 'content-length']);

/**
 * An HTTP proxy in front of a real Greenlight server that sends some requests to another path than
 * the one asked for (`rewrite`): a misconfigured gateway or cache that mixes answers up. Every answer
 * still comes from the real server; what a client must notice is that it is about another request.
 */
export async function startMisroutingProxy(target: string, rewrite: (path: string) => string): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const headers = Object.fromEntries(Object.entries(req.headers).filter(([k, v]) => k !== 'host' && k !== 'content-length' && typeof v === 'string')) as Record<string, string>;
      fetch(target + rewrite(req.url ?? '/'), { method: req.method, headers, ...(chunks.length > 0 ? { body: Buffer.concat(chunks) } : {}) })
        .then(async (answer) => {
          const body = Buffer.from(await answer.arrayBuffer());
          res.writeHead(answer.status, Object.fromEntries([...answer.headers].filter(([k]) => !HOP_BY_HOP.has(k))));
          res.end(body);
        })
        .catch(() => res.writeHead(502).end());
    });
  });
  const url = await listenOnLoopback(server);
  return { url, close: () => new Promise<void>((r) => server.close(() => r())) };
}
