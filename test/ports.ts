/**
 * A port for a process that binds it only later (n8n takes seconds to start listening, Zapier's CLI
 * opens its OAuth redirect listener mid-run). A port from `listen(0)` comes from the kernel's
 * ephemeral range, and in the seconds before the process binds it, any other test file's
 * `listen(0)` may be handed the same port. Below that range the kernel never hands ports out, so
 * only another explicit choice could collide: a random one, checked free, makes that unlikely.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/** Linux's default ephemeral range starts at 32768; elsewhere, assume the same. */
function ephemeralStart(): number {
  try {
    const [low] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    return low && low > 12_000 ? low : 32_768;
  } catch {
    return 32_768;
  }
}

const isFree = (port: number) =>
  new Promise<boolean>((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });

/** A free loopback port between 10000 and the start of the ephemeral range. */
export async function portForLaterBind(): Promise<number> {
  const high = ephemeralStart();
  for (let i = 0; i < 50; i++) {
    const port = 10_000 + Math.floor(Math.random() * (high - 10_000));
    if (await isFree(port)) return port;
  }
  throw new Error('no free port below the ephemeral range');
}
