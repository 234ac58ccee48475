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
 *
 * And the waiting pattern with a callback (packages/make/README.md): A's Request Approval names B's
 * webhook address as its callback and stores the request's id in a Make data store; B continues only
 * for an id it finds there, reads the decision back from Greenlight (Make cannot check the callback's
 * signature), and removes the id once decided. Any request may name B's address: another key's
 * request, approved, reaches B and continues nothing; a forged body naming A's request changes
 * nothing; A's own decision then continues B once.
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
/**
 * A module after the first, with its fields as mapped in the scenario editor: one of the app's (run
 * with a connection), or one of Make's own (a data store's). `filter`: Make's filter on the route into
 * this module, evaluated over the earlier modules' outputs; false ends that bundle's route.
 */
type Step = { mapper: Record<string, unknown>; filter?: string } & (
  | { module: string; connection: MakeConnection }
  | { builtin: (fields: Record<string, unknown>) => Bundle }
);

/**
 * Make's data store, as its built-in modules use it (Add/replace a record, Check the existence of a
 * record, Delete a record): records by key, shared by the scenarios of the account.
 */
class DataStore {
  private readonly records = new Map<string, Bundle>();
  readonly add = (f: Record<string, unknown>): Bundle => (this.records.set(String(f.key), (f.data ?? {}) as Bundle), { key: f.key });
  readonly exists = (f: Record<string, unknown>): Bundle => ({ exists: this.records.has(String(f.key)) });
  readonly delete = (f: Record<string, unknown>): Bundle => (this.records.delete(String(f.key)), {});
}

/**
 * One run of a scenario as Make executes it: each bundle of module 1 (the trigger) goes through the
 * later modules in order; module n's fields are evaluated over the outputs of modules 1…n−1, and a
 * module that outputs nothing, or a filter that does not pass, ends that bundle's route. Returns each
 * bundle's outputs by module number.
 */
async function runScenario(runtime: MakeRuntime, triggerBundles: unknown[], steps: Step[]): Promise<Record<number, Bundle>[]> {
  const runs: Record<number, Bundle>[] = [];
  for (const bundle of triggerBundles) {
    const outputs: Record<number, Bundle> = { 1: bundle as Bundle };
    for (const [i, step] of steps.entries()) {
      if (step.filter !== undefined && evaluate(step.filter, outputs) !== true) break;
      const fields = evaluate(step.mapper, outputs) as Record<string, unknown>;
      const [out] = 'builtin' in step ? [step.builtin(fields)] : ((await runtime.run(step.module, step.connection, fields)) as Bundle[]);
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

describe('the waiting pattern with a callback: B continues only for a request A made', () => {
  it('another key’s request naming B’s address, approved, continues nothing; A’s own decision continues B once', async () => {
    const seed = await harness.seedOrg(server.db);
    const runtime = new MakeRuntime();
    const requester = await runtime.connectBasic('greenlightApiKey', { baseUrl: server.url, apiKey: seed.key });
    const approverKey = (await seed.newKey({ name: 'approver' })).key;
    const store = new DataStore();

    // Scenario B is switched on with "Subscribe to every decision" off: its webhook receives callbacks only.
    const hookUrl = `${gateway.url}/make/${randomUUID()}`;
    const hook = await runtime.attach(runtime.app.modules.watchDecisionsInstant!.meta.webhook!, requester, hookUrl, { subscribe: false });
    const scenarioB: Step[] = [
      // 2: Data store › Check the existence of a record, keyed by the request's id: is it one A made?
      { builtin: store.exists, mapper: { key: '{{1.id}}' } },
      // 3: Get Approval Request, past the filter "2. exists": the decision as Greenlight holds it.
      { module: 'getApproval', connection: requester, mapper: { id: '{{1.id}}' }, filter: '{{2.exists}}' },
      // 4: Data store › Delete a record, once it is decided: each request of A's continues B once.
      { builtin: store.delete, mapper: { key: '{{1.id}}' }, filter: '{{3.status != "pending"}}' },
      // 5: what B is for, on the status read back.
      { module: 'addComment', connection: requester, mapper: { id: '{{1.id}}', body: 'Refund {{if(3.status = "approved", "issued", "not issued")}} ({{3.status}})' } },
    ];

    // Scenario A: Request Approval with B's address as the callback (2), then Data store › Add/replace a record (3).
    const scenarioA = await runScenario(runtime, [{ order: 77 }], [
      { module: 'requestApproval', connection: requester, mapper: { title: 'Refund order #{{1.order}}', description: 'Asked twice', priority: 'high', callback_url: hookUrl } },
      { builtin: store.add, mapper: { key: '{{2.id}}', data: { order: '{{1.order}}' } } },
    ]);
    const mine = scenarioA[0]![2]!.id as string;
    expect(store.exists({ key: mine })).toEqual({ exists: true });

    // Someone else in the org names B's address on a request of their own, and it is approved.
    const other = (await server.http((await seed.newKey({ name: 'other' })).key).post('/api/v1/approvals').send({ title: 'x', description: 'x', priority: 'low', callback_url: hookUrl }).expect(201)).body.id as string;
    await server.http(approverKey).patch(`/api/v1/approvals/${other}`).send({ decision: 'approve' }).expect(200);
    const deliveriesOf = (id: string) => gateway.received.filter((r) => r.path === new URL(hookUrl).pathname && (JSON.parse(r.body) as { data?: { approval_id?: string } }).data?.approval_id === id);
    await gateway.until(() => deliveriesOf(other).length > 0);
    const [hijacked] = await runScenario(runtime, runtime.receive(hook, asWebhookRequest(deliveriesOf(other)[0]!)), scenarioB);
    // B's trigger took it (it is a decision, approved, signed by Greenlight), but its route ended at the filter.
    expect(hijacked![1]).toMatchObject({ id: other, approved: true });
    expect(Object.keys(hijacked!)).toEqual(['1', '2']);
    expect((await server.http(seed.key).get(`/api/v1/approvals/${other}`).expect(200)).body.comments_count).toBe(0);

    // Anyone who knows B's address can post to it, unsigned: a made-up approval of A's own request.
    const pending = (await server.http(seed.key).get(`/api/v1/approvals/${mine}`).expect(200)).body as Bundle;
    const forged = { type: 'approval.approved', timestamp: new Date().toISOString(), data: { event_id: '1', org_id: seed.org.id, approval_id: mine, actor: { type: 'user', id: null, name: 'x' }, from_status: 'pending', to_status: 'approved', details: {}, approval: { ...pending, status: 'approved' } } };
    const [made] = await runScenario(runtime, runtime.receive(hook, { body: forged, headers: { 'content-type': 'application/json' } }), scenarioB);
    expect(made![1]).toMatchObject({ id: mine, approved: true });
    // Greenlight says pending: the route ends there, and A's id stays for its real decision.
    expect(made![3]).toMatchObject({ id: mine, status: 'pending' });
    expect(Object.keys(made!)).toEqual(['1', '2', '3']);
    expect(store.exists({ key: mine })).toEqual({ exists: true });

    await server.http(approverKey).patch(`/api/v1/approvals/${mine}`).send({ decision: 'approve' }).expect(200);
    await gateway.until(() => deliveriesOf(mine).length > 0);
    const [own] = await runScenario(runtime, runtime.receive(hook, asWebhookRequest(deliveriesOf(mine)[0]!)), scenarioB);
    expect(own![5]).toMatchObject({ body: 'Refund issued (approved)' });
    // Its record is gone: the same delivery again (a retry, a replay) continues nothing.
    const [again] = await runScenario(runtime, runtime.receive(hook, asWebhookRequest(deliveriesOf(mine)[0]!)), scenarioB);
    expect(Object.keys(again!)).toEqual(['1', '2']);
    expect((await server.http(seed.key).get(`/api/v1/approvals/${mine}`).expect(200)).body.comments_count).toBe(1);
  });
});
