import type { Logger } from 'pino';

export interface Job {
  stop(): Promise<void>;
}

/** Runs `tick` every `intervalMs`, never overlapping itself; errors are logged and the next tick goes on. */
export function every(intervalMs: number, log: Logger, name: string, tick: () => Promise<unknown>): Job {
  let running: Promise<unknown> | null = null;
  let stopped = false;
  const timer = setInterval(() => {
    if (running || stopped) return;
    running = tick()
      .catch((err) => log.error({ err, job: name }, 'job failed'))
      .finally(() => {
        running = null;
      });
  }, intervalMs);
  timer.unref();
  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
