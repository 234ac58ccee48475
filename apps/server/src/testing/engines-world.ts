/**
 * What the engine tests share: a Greenlight server whose three durable engines are local stand-ins
 * (testing/engines.ts), and an org whose admin set each engine's credentials through the API.
 */
import { afterAll, beforeAll } from 'vitest';
import { approvalBody, seedOrg, startTestServer, type SeededOrg, type TestServer } from './harness.ts';
import { signedIn, type SignedIn } from './session.ts';
import { startInngest, startStepFunctions, startTriggerDev, type InngestStandIn, type StepFunctionsStandIn, type TriggerDevStandIn } from './engines.ts';

export interface EnginesWorld {
  server: TestServer;
  triggerDev: TriggerDevStandIn;
  sfn: StepFunctionsStandIn;
  inngest: InngestStandIn;
}

export function useEnginesWorld(use: (w: EnginesWorld) => void, config: Record<string, string> = {}): void {
  let w: EnginesWorld | undefined;
  beforeAll(async () => {
    const [triggerDev, sfn, inngest] = await Promise.all([startTriggerDev(), startStepFunctions(), startInngest()]);
    const server = await startTestServer({
      config: {
        GREENLIGHT_TRIGGER_DEV_API_URL: triggerDev.url,
        GREENLIGHT_STEP_FUNCTIONS_ENDPOINT: sfn.url,
        GREENLIGHT_INNGEST_EVENT_API_URL: inngest.url,
        GREENLIGHT_DELIVERY_TIMEOUT_MS: '3000',
        ...config,
      },
    });
    w = { server, triggerDev, sfn, inngest };
    use(w);
  }, 60_000);
  afterAll(async () => {
    await w?.server.stop();
    await Promise.all([w?.triggerDev.close(), w?.sfn.close(), w?.inngest.close()]);
  });
}

export interface EnginesOrg {
  seed: SeededOrg;
  admin: SignedIn;
}

/** A new org with every engine's credentials set by its admin (or only those named). */
export async function enginesOrg(w: EnginesWorld, engines: ('trigger_dev' | 'step_functions' | 'inngest')[] = ['trigger_dev', 'step_functions', 'inngest']): Promise<EnginesOrg> {
  const seed = await seedOrg(w.server.db);
  const admin = await signedIn(w.server, seed);
  const all = {
    trigger_dev: { secret_key: w.triggerDev.secretKey },
    step_functions: { region: w.sfn.region, access_key_id: w.sfn.accessKeyId, secret_access_key: w.sfn.secretAccessKey },
    inngest: { event_key: w.inngest.eventKey },
  };
  const body = Object.fromEntries(engines.map((e) => [e, all[e]]));
  if (engines.length > 0) await admin.http().put('/api/v1/org/engines').send(body).expect(200);
  return { seed, admin };
}

/** Creates a request naming `resume`, as the org's API key; answers the created request's id. */
export async function createResumed(w: EnginesWorld, org: EnginesOrg, resume: unknown, extra: Record<string, unknown> = {}): Promise<string> {
  const res = await w.server.http(org.seed.key).post('/api/v1/approvals').send(approvalBody({ resume, ...extra })).expect(201);
  return res.body.id as string;
}

/** Waits until the request's engine rows are no longer pending or being delivered. */
export async function enginesSettled(w: EnginesWorld, approvalId: string): Promise<void> {
  for (let i = 0; i < 300; i++) {
    const { rows } = await w.server.db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM deliveries WHERE approval_id = $1 AND channel = 'engines' AND status IN ('pending', 'delivering')",
      [approvalId],
    );
    if (rows[0]!.n === 0) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('engine deliveries did not settle');
}

export async function engineDeliveries(w: EnginesWorld, approvalId: string): Promise<{ status: string; attempts: number }[]> {
  const { rows } = await w.server.db.query<{ status: string; attempts: number }>(
    "SELECT status, attempts FROM deliveries WHERE approval_id = $1 AND channel = 'engines'",
    [approvalId],
  );
  return rows;
}
