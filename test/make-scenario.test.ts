/**
 * Two Make scenarios wired as a Make user wires them, the app's IML executed against a real
 * Greenlight server:
 *
 * - Scenario B, "On decision", starts with Watch Decisions (instant). Switching it on makes Make
 *   create its webhook and run the app's `attach`, which subscribes the webhook's address in
 *   Greenlight; switching it off runs `detach`.
 * - Scenario A, "Ask for a refund", is one Request Approval module, run once.
 * - A person decides; Greenlight delivers the decision to B's webhook address (a local receiver
 *   stands in for Make's webhook gateway); B's next run turns the delivery into the trigger's bundle
 *   (the webhook's `communication`), then runs its other modules once per bundle with their fields
 *   mapped from earlier modules' outputs (`{{1.id}}`, `{{2.body}}`).
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { harness, startReceiver, type Received, type TestReceiver } from '@greenlight/server/testing';
import { evaluate, MakeRuntime, type MakeConnection } from '../packages/make/src/index.ts';

let server: harness.TestServer;
let gateway: TestReceiver;
beforeAll(async () => {
  server = await harness.startTestServer({ config: { GREENLIGHT_CALLBACK_ALLOW_CIDRS: '127.0.0.0/8', GREENLIGHT_DELIVERY_SWEEP_MS: '100' } });
  gateway = await startReceiver();
}, 60_000);
afterAll(async () => {
  await server?.stop();
  await gateway?.close();
}, 60_000);

type Bundle = Record<string, unknown>;
/** A module after the first: which module, with which connection, and its fields as mapped in the scenario editor. */
interface Step {
  module: string;
  connection: MakeConnection;
  mapper: Record<string, unknown>;
}

/**
 * One run of a scenario as Make executes it: each bundle of module 1 (the trigger) goes through the
 * later modules in order; module n's fields are evaluated over the outputs of modules 1…n−1, and a
 * module that outputs nothing ends that bundle's route. Returns each bundle's outputs by module number.
 */
async function runScenario(runtime: MakeRuntime, triggerBundles: unknown[], steps: Step[]): Promise<Record<number, Bundle>[]> {
  const runs: Record<number, Bundle>[] = [];
  for (const bundle of triggerBundles) {
    const outputs: Record<number, Bundle> = { 1: bundle as Bundle };
    for (const [i, step] of steps.entries()) {
      const [out] = (await runtime.run(step.module, step.connection, evaluate(step.mapper, outputs) as Record<string, unknown>)) as Bundle[];
      if (out === undefined) break;
      outputs[i + 2] = out;
    }
    runs.push(outputs);
  }
  return runs;
}

/** A request Make's gateway took for the webhook, as the scenario's next run receives it. */
const asWebhookRequest = (r: Received) => ({ body: JSON.parse(r.body) as unknown, headers: r.headers as Record<string, unknown> });

describe('a Make scenario requests approval; another, on Watch Decisions (instant), continues with the decision', () => {
  it('B’s webhook is subscribed on attach, each decision is one run of B with its fields mapped from the trigger, and detach unsubscribes', async () => {
    const seed = await harness.seedOrg(server.db);
    const runtime = new MakeRuntime();
    const requester = await runtime.connectBasic('greenlightApiKey', { baseUrl: server.url, apiKey: seed.key });
    const approverKey = (await seed.newKey({ name: 'approver' })).key;
    const apiKey = (requester.params as { apiKey: string }).apiKey;

    // Scenario B is switched on: Make creates the webhook (its address on Make's gateway) and runs attach.
    const hookUrl = `${gateway.url}/make/${randomUUID()}`;
    const webhookId = runtime.app.modules.watchDecisionsInstant!.meta.webhook!;
    const hook = await runtime.attach(webhookId, requester, hookUrl, { subscribe: true, events: ['approval.approved', 'approval.rejected'] });
    const subscription = (await server.http(apiKey).get(`/api/v1/webhooks/${String(hook.data.externalHookId)}`).expect(200)).body as Record<string, unknown>;
    expect(subscription).toMatchObject({ url: hookUrl, status: 'active' });

    const scenarioB: Step[] = [
      {
        module: 'addComment',
        connection: requester,
        mapper: {
          id: '{{1.id}}',
          body: "Order {{1.metadata.order_id}}: refund {{if(1.approved, 'issued', 'not issued')}} ({{1.outcome}}: {{1.decision_comment}})",
        },
      },
      { module: 'getApproval', connection: requester, mapper: { id: '{{1.id}}' } },
    ];

    // Scenario A, run once per refund: one Request Approval module, its fields typed or mapped in.
    const requestRefund = async (order: { id: number; amount: number }) => {
      const [requested] = (await runtime.run('requestApproval', requester, evaluate({
        title: 'Refund order #{{order.id}}',
        description: 'Customer asked for a refund of {{order.amount}} EUR',
        priority: 'high',
        external_id: 'REFUND-{{order.id}}',
        metadata: { order_id: '{{order.id}}', amount: '{{order.amount}}' },
      }, { order }) as Record<string, unknown>)) as Bundle[];
      expect(requested).toMatchObject({ status: 'pending', external_id: `REFUND-${order.id}`, metadata: { order_id: order.id } });
      return requested!.id as string;
    };
    const approved = await requestRefund({ id: 42, amount: 129 });
    const rejected = await requestRefund({ id: 43, amount: 990 });

    // People decide in Greenlight.
    const approver = server.http(approverKey);
    await approver.patch(`/api/v1/approvals/${approved}`).send({ decision: 'approve', comment: 'Within policy' }).expect(200);
    await approver.patch(`/api/v1/approvals/${rejected}`).send({ decision: 'reject', comment: 'Over the limit' }).expect(200);
    const deliveriesOf = (id: string) => gateway.received.filter((r) => (JSON.parse(r.body) as { data?: { approval_id?: string } }).data?.approval_id === id);
    await gateway.until(() => deliveriesOf(approved).length > 0 && deliveriesOf(rejected).length > 0);

    // B's next runs: one per delivery that reached its webhook.
    const runs = await Promise.all(
      [approved, rejected].map((id) => {
        const bundles = runtime.receive(hook, asWebhookRequest(deliveriesOf(id)[0]!));
        expect(bundles).toHaveLength(1);
        return runScenario(runtime, bundles, scenarioB);
      }),
    );
    const [[yes], [no]] = runs as [[Record<number, Bundle>], [Record<number, Bundle>]];
    expect(yes[1]).toMatchObject({ id: approved, status: 'approved', outcome: 'approved', approved: true, decision_comment: 'Within policy' });
    expect(yes[2]).toMatchObject({ body: 'Order 42: refund issued (approved: Within policy)' });
    expect(yes[3]).toMatchObject({ id: approved, status: 'approved', comments_count: 1 });
    expect(no[1]).toMatchObject({ id: rejected, status: 'rejected', outcome: 'rejected', approved: false });
    expect(no[2]).toMatchObject({ body: 'Order 43: refund not issued (rejected: Over the limit)' });

    // A comment is no decision: nothing more reaches B, and each decision arrived once.
    await new Promise((r) => setTimeout(r, 500));
    expect(deliveriesOf(approved)).toHaveLength(1);
    expect(deliveriesOf(rejected)).toHaveLength(1);

    // Scenario B is switched off: detach deletes the subscription.
    expect(await runtime.detach(hook, requester)).toEqual({ skipped: false });
    await server.http(apiKey).get(`/api/v1/webhooks/${String(hook.data.externalHookId)}`).expect(404);
  });
});
