import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approvalBody, seedOrg, startTestServer, type TestServer } from '../../testing/harness.ts';
import { signedIn } from '../../testing/session.ts';
import { createRequest, eventsOf } from '../../testing/decisions.ts';
import { askedNow } from '../../core/approvals/index.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.stop());

const TYPES = ['deploy.production', 'deploy.staging', 'invoice.pay', 'invoice.refund', 'user.delete', null] as const;
const PRIORITIES = ['low', 'medium', 'high', 'critical'] as const;
type Kind = { action_type: (typeof TYPES)[number]; priority: (typeof PRIORITIES)[number] };
/** Request i of the 200: every action type with every priority, in a fixed order. */
const kindOf = (i: number): Kind => ({ action_type: TYPES[i % TYPES.length]!, priority: PRIORITIES[Math.floor(i / TYPES.length) % PRIORITIES.length]! });

/** The saved set, written out by hand (not through the matcher under test). */
function savedRuleFor(k: Kind): 'Production deploys' | 'Invoices' | 'Critical' | null {
  if (k.action_type === 'deploy.production') return 'Production deploys';
  if (k.action_type?.startsWith('invoice.') && (k.priority === 'high' || k.priority === 'critical')) return 'Invoices';
  if (k.priority === 'critical') return 'Critical';
  return null;
}

/** The candidate: Critical first, deploys widened to deploy.*, Invoices last, and a new rule for user deletions. */
function candidateRuleFor(k: Kind): 'Production deploys' | 'Invoices' | 'Critical' | 'User deletions' | null {
  if (k.priority === 'critical') return 'Critical';
  if (k.action_type?.startsWith('deploy.')) return 'Production deploys';
  if (k.action_type?.startsWith('invoice.') && k.priority === 'high') return 'Invoices';
  if (k.action_type === 'user.delete') return 'User deletions';
  return null;
}

async function routedOrg() {
  const seed = await seedOrg(server.db, 'Routing Org');
  const admin = await signedIn(server, seed);
  const sre = [await seed.addUser('approver', `sre1-${Date.now()}@example.test`), await seed.addUser('approver'), await seed.addUser('approver')];
  const finance = [await seed.addUser('approver'), await seed.addUser('approver')];
  const manager = await seed.addUser('approver');
  const director = await seed.addUser('approver');
  const oncall = await seed.addUser('approver');
  const sreTeam = (await admin.http().post('/api/v1/teams').send({ name: 'SRE', member_ids: sre.map((u) => u.id) }).expect(201)).body;
  const financeTeam = (await admin.http().post('/api/v1/teams').send({ name: 'Finance', member_ids: finance.map((u) => u.id) }).expect(201)).body;
  const deployFlow = (
    await admin
      .http()
      .post('/api/v1/flows')
      .send({ name: 'Production deploy', steps: [{ approvers: { team_ids: [sreTeam.id] } }, { approvers: { user_ids: [manager.id] } }] })
      .expect(201)
  ).body;
  const invoiceFlow = (
    await admin
      .http()
      .post('/api/v1/flows')
      .send({ name: 'Invoice payment', steps: [{ approvers: { team_ids: [financeTeam.id] } }, { approvers: { user_ids: [director.id] } }], on_expiry: 'reject' })
      .expect(201)
  ).body;
  const rules = [
    { name: 'Production deploys', match: { action_type: 'deploy.production' }, action: { flow_id: deployFlow.id } },
    { name: 'Invoices', match: { action_type: 'invoice.*', priority: ['high', 'critical'] }, action: { flow_id: invoiceFlow.id } },
    {
      name: 'Critical',
      match: { priority: 'critical' },
      action: { approvers: { user_ids: [oncall.id] }, quorum: 1, expires_in_seconds: 1800, on_expiry: 'reject', slack_channel: '#incidents' },
    },
  ];
  const set = (await admin.http().put('/api/v1/routing-rules').send({ rules, expected_version: 0 }).expect(200)).body;
  const everyone = [seed.admin, ...sre, ...finance, manager, director, oncall].map((u) => u.id).sort();
  return { seed, admin, sre, finance, manager, director, oncall, sreTeam, financeTeam, deployFlow, invoiceFlow, set, everyone };
}

describe('routing rules', () => {
  it('three rules and two flows route 200 requests of mixed kinds to the expected rule and approvers; the dry run of a changed set reports exactly the moves', async () => {
    const o = await routedOrg();
    expect(o.set).toMatchObject({ version: 1, updated_by: { type: 'user', id: o.seed.admin.id } });
    expect(o.set.rules.map((r: { name: string; position: number }) => [r.position, r.name])).toEqual([
      [1, 'Production deploys'],
      [2, 'Invoices'],
      [3, 'Critical'],
    ]);
    const ruleId = Object.fromEntries(o.set.rules.map((r: { name: string; id: string }) => [r.name, r.id]));
    const askedFirst: Record<string, string[]> = {
      'Production deploys': o.sre.map((u) => u.id).sort(),
      Invoices: o.finance.map((u) => u.id).sort(),
      Critical: [o.oncall.id],
    };

    // Twenty at a time, so the server's create batches carry routed and unrouted requests together.
    const ids: string[] = [];
    for (let start = 0; start < 200; start += 20) {
      const batch = await Promise.all(
        Array.from({ length: 20 }, (_, j) => {
          const k = kindOf(start + j);
          return createRequest(server, o.seed.key, { title: `Request ${start + j}`, priority: k.priority, ...(k.action_type && { action_type: k.action_type }) });
        }),
      );
      ids.push(...batch.map((a) => a.id));
    }
    for (const [i, id] of ids.entries()) {
      const k = kindOf(i);
      const want = savedRuleFor(k);
      const { body: a } = await server.http(o.seed.key).get(`/api/v1/approvals/${id}`).expect(200);
      if (want === null) {
        expect(a.routing, `request ${i} ${JSON.stringify(k)}`).toBeNull();
        expect(a.run).toBeNull();
      } else {
        expect(a.routing, `request ${i} ${JSON.stringify(k)}`).toEqual({
          rule_id: ruleId[want],
          rule_name: want,
          version: 1,
          slack_channel: want === 'Critical' ? '#incidents' : null,
          reminders: null,
        });
        expect(a.run.active_step).toBe(1);
      }
      expect((await askedNow(server.db, id)).sort(), `request ${i}`).toEqual(want === null ? o.everyone : askedFirst[want]);
      if (want === 'Production deploys') expect(a).toMatchObject({ flow_id: o.deployFlow.id, flow_version: 1, required_approvals: 2, is_sequential: true });
      if (want === 'Invoices') expect(a).toMatchObject({ flow_id: o.invoiceFlow.id, on_expiry: 'reject', required_approvals: 2 });
      if (want === 'Critical') {
        expect(a).toMatchObject({ flow_id: null, on_expiry: 'reject', required_approvals: 1, is_sequential: true });
        expect(Date.parse(a.expires_at) - Date.parse(a.created_at)).toBeGreaterThan(1790_000);
        expect(a.run.steps).toMatchObject([{ name: 'Critical', quorum: 1, approvers: [{ type: 'user', id: o.oncall.id }] }]);
      }
    }
    // The request's own trail says which rule routed it.
    const critical = ids.find((_, i) => savedRuleFor(kindOf(i)) === 'Critical')!;
    const [created] = await eventsOf(server, critical);
    expect(created).toMatchObject({ type: 'approval.created', data: { routing: { rule_id: ruleId.Critical, rule_name: 'Critical', version: 1 } } });

    // The dry run of a changed set: Critical first, deploys widened, a new rule; nothing saved.
    const candidate = [
      { id: ruleId.Critical, ...o.set.rules[2], position: undefined, created_at: undefined, updated_at: undefined },
      { id: ruleId['Production deploys'], name: 'Production deploys', match: { action_type: 'deploy.*' }, action: { flow_id: o.deployFlow.id } },
      { id: ruleId.Invoices, name: 'Invoices', match: { action_type: 'invoice.*', priority: ['high', 'critical'] }, action: { flow_id: o.invoiceFlow.id } },
      { name: 'User deletions', match: { action_type: 'user.delete' }, action: { approvers: { user_ids: [o.director.id] } } },
    ].map((r) => JSON.parse(JSON.stringify(r)));
    const { body: dry } = await o.admin.http().post('/api/v1/routing-rules/dry-run').send({ rules: candidate }).expect(200);
    expect(dry.current_version).toBe(1);
    expect(dry.replayed).toBe(200);
    const byId = new Map(dry.requests.map((r: { approval_id: string }) => [r.approval_id, r]));
    const expectedMoves = new Map<string, number>();
    for (const [i, id] of ids.entries()) {
      const k = kindOf(i);
      const from = savedRuleFor(k);
      const to = candidateRuleFor(k);
      const r = byId.get(id) as { moved: boolean; current: { name: string } | null; candidate: { name: string } | null; candidate_approvers: { user_id: string }[] };
      expect(r.current?.name ?? null, `request ${i}`).toBe(from);
      expect(r.candidate?.name ?? null, `request ${i}`).toBe(to);
      expect(r.moved, `request ${i}`).toBe(from !== to);
      if (to === 'User deletions') expect(r.candidate_approvers.map((p) => p.user_id)).toEqual([o.director.id]);
      if (from !== to) expectedMoves.set(`${from}→${to}`, (expectedMoves.get(`${from}→${to}`) ?? 0) + 1);
    }
    const moved = [...expectedMoves.values()].reduce((a, b) => a + b, 0);
    expect(moved).toBeGreaterThan(0);
    expect(dry.summary).toMatchObject({ moved, unchanged: 200 - moved, not_routable: 0 });
    expect(
      Object.fromEntries(dry.summary.transitions.map((t: { from: { name: string } | null; to: { name: string } | null; count: number }) => [`${t.from?.name ?? null}→${t.to?.name ?? null}`, t.count])),
    ).toEqual(Object.fromEntries(expectedMoves));
    // Critical invoices move from rule 2 (saved order) to rule 1 (candidate order).
    const criticalInvoices = expectedMoves.get('Invoices→Critical')!;
    expect(dry.summary.sentences).toContain(`${criticalInvoices} requests would move from rule 2 “Invoices” to rule 1 “Critical”.`);
    expect(dry.summary.sentences[0]).toBe(`Replayed the latest 200 requests: ${moved} would move to another rule, ${200 - moved} would stay with the same one.`);
    expect((await o.admin.http().get('/api/v1/routing-rules').expect(200)).body.version).toBe(1);

    // A smaller window replays the newest requests only.
    const { body: small } = await o.admin.http().post('/api/v1/routing-rules/dry-run').send({ rules: candidate, limit: 10 }).expect(200);
    expect(small.requests).toHaveLength(10);
    // The last twenty were sent together: the ten newest are among them.
    for (const r of small.requests) expect(ids.slice(180)).toContain(r.approval_id);

    // Saved, the candidate routes the next request at once (this process's cache is dropped on commit).
    const saved = (await o.admin.http().put('/api/v1/routing-rules').send({ rules: candidate, expected_version: 1 }).expect(200)).body;
    expect(saved.version).toBe(2);
    expect(saved.rules.slice(0, 3).map((r: { id: string }) => r.id)).toEqual([ruleId.Critical, ruleId['Production deploys'], ruleId.Invoices]);
    const staging = await createRequest(server, o.seed.key, { action_type: 'deploy.staging', priority: 'low' });
    expect((await server.http(o.seed.key).get(`/api/v1/approvals/${staging.id}`).expect(200)).body.routing).toEqual({
      rule_id: ruleId['Production deploys'],
      rule_name: 'Production deploys',
      version: 2,
      slack_channel: null,
      reminders: null,
    });
    const audit = await server.db.query<{ type: string; details: { from_version: number; version: number; added: string[]; changed: string[] } }>(
      "SELECT type, details FROM audit_log WHERE org_id = $1 AND type = 'routing_rules.updated' ORDER BY id",
      [o.seed.org.id],
    );
    expect(audit.rows.map((r) => [r.details.from_version, r.details.version])).toEqual([
      [0, 1],
      [1, 2],
    ]);
    expect(audit.rows[1]!.details.added).toEqual([saved.rules[3].id]);
    expect(audit.rows[1]!.details.changed.sort()).toEqual([ruleId.Critical, ruleId['Production deploys'], ruleId.Invoices].sort());
  }, 120_000);

  it('a request that names its flow, or a replayed idempotency key, is not routed again; steps named after the create replace a routed run', async () => {
    const o = await routedOrg();
    const own = await createRequest(server, o.seed.key, { action_type: 'deploy.production', flow_id: o.invoiceFlow.id });
    const a = (await server.http(o.seed.key).get(`/api/v1/approvals/${own.id}`).expect(200)).body;
    expect(a).toMatchObject({ routing: null, flow_id: o.invoiceFlow.id });

    const body = approvalBody({ action_type: 'deploy.production', idempotency_key: 'deploy-42' });
    const first = await server.http(o.seed.key).post('/api/v1/approvals').send(body).expect(201);
    // The rules change in between: the replay answers the request as it was routed.
    await o.admin.http().put('/api/v1/routing-rules').send({ rules: [] }).expect(200);
    const again = await server.http(o.seed.key).post('/api/v1/approvals').send(body).expect(200);
    expect(again.body.id).toBe(first.body.id);
    expect(again.body.routing).toMatchObject({ rule_name: 'Production deploys', version: 1 });

    // Steps named after the create, as clients of the spec's API name them, replace the rule's flow run:
    // the request is no longer routed, and its trail says whose steps gave way.
    const steps = await server.http(o.seed.key).post(`/api/v1/approvals/${first.body.id}/steps`).send({ steps: [{ approver_id: o.director.id, step_order: 1 }] });
    expect(steps.status, JSON.stringify(steps.body)).toBe(201);
    const named = (await server.http(o.seed.key).get(`/api/v1/approvals/${first.body.id}`).expect(200)).body;
    expect(named).toMatchObject({ status: 'pending', routing: null, flow_id: null, flow_version: null, required_approvals: 1, current_approvals: 0, expires_at: null });
    expect(named.run.steps).toMatchObject([{ step_order: 1, approvers: [{ type: 'user', id: o.director.id }] }]);
    expect(await askedNow(server.db, first.body.id)).toEqual([o.director.id]);
    const configured = (await eventsOf(server, first.body.id)).find((e) => e.type === 'steps.configured')!;
    expect(configured.data).toMatchObject({ replaced_steps: 2, unrouted: { rule_id: expect.any(String), rule_name: 'Production deploys', version: 1 } });
    // A run of a flow the request named itself keeps its steps.
    const locked = await server.http(o.seed.key).post(`/api/v1/approvals/${own.id}/steps`).send({ steps: [{ approver_id: o.director.id, step_order: 1 }] });
    expect(locked.status).toBe(409);
    expect(locked.body.error).toMatchObject({ code: 'STEPS_LOCKED' });

    // With no rules left, requests are asked of everyone again.
    const plain = await createRequest(server, o.seed.key, { action_type: 'deploy.production' });
    expect((await server.http(o.seed.key).get(`/api/v1/approvals/${plain.id}`).expect(200)).body.routing).toBeNull();
    const dry = (await o.admin.http().post('/api/v1/routing-rules/dry-run').send({ rules: [] }).expect(200)).body;
    expect(dry.requests.find((r: { approval_id: string }) => r.approval_id === own.id)).toMatchObject({ routable: false, moved: false });
    expect(dry.requests.find((r: { approval_id: string }) => r.approval_id === first.body.id)).toMatchObject({ routable: false, routed_by: null, moved: false });
    expect(dry.requests.find((r: { approval_id: string }) => r.approval_id === plain.id)).toMatchObject({ routable: true, routed_by: null, current: null, candidate: null });
    expect(dry.summary.sentences).toContain('2 requests named their own flow or steps: rules never route them.');
  });

  it('matches on source and tag globs, tags any/all and the connection asking; disabled rules are skipped', async () => {
    const seed = await seedOrg(server.db);
    const admin = await signedIn(server, seed);
    const ann = await seed.addUser('approver');
    const bob = await seed.addUser('approver');
    const ci = await seed.newKey({ name: 'ci' });
    const rules = [
      { name: 'Off', enabled: false, match: {}, action: { approvers: { user_ids: [bob.id] } } },
      { name: 'CI', match: { connection_ids: [ci.connectionId], source: 'github-*' }, action: { approvers: { user_ids: [ann.id] } } },
      { name: 'Prod EU', match: { tags: { all: { env: 'production', region: 'eu' } } }, action: { approvers: { user_ids: [bob.id] } } },
      { name: 'Any team', match: { tags: { any: { team: 'payments', squad: 'core' } } }, action: { approvers: { user_ids: [ann.id, bob.id] }, quorum: 'all' } },
    ];
    await admin.http().put('/api/v1/routing-rules').send({ rules }).expect(200);
    const routedBy = async (key: string, over: Record<string, unknown>) =>
      (await server.http(key).get(`/api/v1/approvals/${(await createRequest(server, key, over)).id}`).expect(200)).body.routing?.rule_name ?? null;
    expect(await routedBy(ci.key, { source: 'github-actions' })).toBe('CI');
    expect(await routedBy(seed.key, { source: 'github-actions' })).toBeNull();
    expect(await routedBy(ci.key, { source: 'gitlab' })).toBeNull();
    expect(await routedBy(seed.key, { tags: { env: 'production', region: 'eu' } })).toBe('Prod EU');
    expect(await routedBy(seed.key, { tags: { env: 'production', region: 'us' } })).toBeNull();
    expect(await routedBy(seed.key, { tags: { squad: 'core' } })).toBe('Any team');
    const all = await createRequest(server, seed.key, { tags: { team: 'payments' } });
    expect((await server.http(seed.key).get(`/api/v1/approvals/${all.id}`).expect(200)).body.run.steps[0]).toMatchObject({ quorum: 'all' });
  });

  it('GET by id and DELETE by id; a team or flow named by a rule cannot be deleted', async () => {
    const o = await routedOrg();
    const [deploys, invoices, critical] = o.set.rules;
    expect((await server.http(o.seed.key).get(`/api/v1/routing-rules/${invoices.id}`).expect(200)).body).toEqual(invoices);
    const inUse = await o.admin.http().delete(`/api/v1/flows/${o.invoiceFlow.id}`);
    expect(inUse.status).toBe(409);
    expect(inUse.body.error).toMatchObject({ code: 'IN_USE', details: { routing_rule_ids: [invoices.id] } });
    const after = (await o.admin.http().delete(`/api/v1/routing-rules/${invoices.id}`).expect(200)).body;
    expect(after.version).toBe(2);
    expect(after.rules.map((r: { id: string; position: number }) => [r.position, r.id])).toEqual([
      [1, deploys.id],
      [2, critical.id],
    ]);
    // Kept rules keep their times when nothing about them changed but their place.
    expect(after.rules[0].updated_at).toBe(deploys.updated_at);
    await o.admin.http().delete(`/api/v1/flows/${o.invoiceFlow.id}`).expect(200);
    await o.admin.http().put('/api/v1/routing-rules').send({ rules: [{ name: 'Finance', action: { approvers: { team_ids: [o.financeTeam.id] } } }] }).expect(200);
    const team = await o.admin.http().delete(`/api/v1/teams/${o.financeTeam.id}`);
    expect(team.status).toBe(409);
    expect(team.body.error.details.routing_rule_ids).toHaveLength(1);
  });
});
