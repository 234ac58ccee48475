import { useId, useState } from 'react';
import type { OnExpiry, Priority, Quorum, ReminderPolicy } from '@greenlight/contract';
import { api, type ApiInput, type ApiOutput } from '../api/client.ts';
import { useSession } from '../api/session.tsx';
import { ON_EXPIRY, PRIORITIES } from '../api/contract-values.ts';
import { DataTable, ErrorMessage } from '../components/bits.tsx';
import { useResource } from '../lib/use-resource.ts';

type RuleSet = ApiOutput<'getRoutingRules'>;
type Rule = RuleSet['rules'][number];
type RuleInput = ApiInput<'putRoutingRules'>['body']['rules'][number];
type DryRun = ApiOutput<'dryRunRoutingRules'>;

/** A rule as the form edits it: every field a string or a list, turned into the API's shape on preview and save. */
interface Draft {
  key: string;
  id?: string;
  name: string;
  enabled: boolean;
  actionType: string;
  priorities: Priority[];
  source: string;
  tagsAll: string;
  tagsAny: string;
  kind: 'flow' | 'approvers';
  flowId: string;
  userIds: string[];
  teamIds: string[];
  quorum: string;
  expiresMinutes: string;
  onExpiry: OnExpiry | '';
  slackChannel: string;
  connectionIds: string[];
  /** Set through the API; kept as it is when the page saves the set. */
  reminders?: ReminderPolicy;
}

let keys = 0;
const newKey = () => `draft-${++keys}`;

function toDraft(r: Rule): Draft {
  const p = r.match.priority;
  const seconds = r.action.expires_in_seconds;
  return {
    key: r.id,
    id: r.id,
    name: r.name,
    enabled: r.enabled,
    actionType: r.match.action_type ?? '',
    priorities: p === undefined ? [] : Array.isArray(p) ? p : [p],
    source: r.match.source ?? '',
    tagsAll: tagsText(r.match.tags?.all),
    tagsAny: tagsText(r.match.tags?.any),
    kind: r.action.flow_id ? 'flow' : 'approvers',
    flowId: r.action.flow_id ?? '',
    userIds: r.action.approvers?.user_ids ?? [],
    teamIds: r.action.approvers?.team_ids ?? [],
    quorum: String(r.action.quorum ?? 1),
    expiresMinutes: seconds === undefined ? '' : String(Math.round(seconds / 60)),
    onExpiry: r.action.on_expiry ?? '',
    slackChannel: r.action.slack_channel ?? '',
    connectionIds: r.match.connection_ids ?? [],
    ...(r.action.reminders && { reminders: r.action.reminders }),
  };
}

const blank = (): Draft => ({
  key: newKey(),
  name: '',
  enabled: true,
  actionType: '',
  priorities: [],
  source: '',
  tagsAll: '',
  tagsAny: '',
  kind: 'approvers',
  flowId: '',
  userIds: [],
  teamIds: [],
  quorum: '1',
  expiresMinutes: '',
  onExpiry: '',
  slackChannel: '',
  connectionIds: [],
});

const tagsText = (t: Record<string, string> | undefined) => Object.entries(t ?? {}).map(([k, v]) => `${k}=${v}`).join(', ');

/** `env=production, team=platform` → a tag map; a piece without `=` is refused with its text. */
function parseTags(text: string, label: string): Record<string, string> | undefined {
  const pieces = text.split(',').map((s) => s.trim()).filter(Boolean);
  if (pieces.length === 0) return undefined;
  const tags: Record<string, string> = {};
  for (const piece of pieces) {
    const at = piece.indexOf('=');
    if (at < 1) throw new Error(`${label}: write each tag as key=value ("${piece}" is not)`);
    tags[piece.slice(0, at).trim()] = piece.slice(at + 1).trim();
  }
  return tags;
}

/** The draft in the API's shape; the server validates the rest (400 with the field named). */
function toInput(d: Draft, i: number): RuleInput {
  const all = parseTags(d.tagsAll, `rule ${i + 1}, tags (all)`);
  const any = parseTags(d.tagsAny, `rule ${i + 1}, tags (any)`);
  const minutes = d.expiresMinutes.trim() ? Number(d.expiresMinutes) : undefined;
  const quorum: Quorum = d.quorum === 'all' ? 'all' : Number(d.quorum);
  const match: NonNullable<RuleInput['match']> = {};
  if (d.actionType.trim()) match.action_type = d.actionType.trim();
  if (d.priorities.length > 0) match.priority = d.priorities;
  if (d.source.trim()) match.source = d.source.trim();
  if (all || any) match.tags = { ...(all ? { all } : {}), ...(any ? { any } : {}) };
  if (d.connectionIds.length > 0) match.connection_ids = d.connectionIds;
  const action: RuleInput['action'] = d.kind === 'flow' ? { flow_id: d.flowId } : { approvers: { user_ids: d.userIds, team_ids: d.teamIds }, quorum };
  if (minutes !== undefined) action.expires_in_seconds = Math.round(minutes * 60);
  if (d.onExpiry) action.on_expiry = d.onExpiry;
  if (d.slackChannel.trim()) action.slack_channel = d.slackChannel.trim();
  if (d.reminders) action.reminders = d.reminders;
  return { ...(d.id ? { id: d.id } : {}), name: d.name.trim(), enabled: d.enabled, match, action };
}

/**
 * Routing rules: who is asked, by what is asked. Everyone sees the rules in order; admins edit,
 * reorder, add and remove them, preview what would change against recent requests (the dry run),
 * and only then save the whole set.
 */
export function RoutingRulesPage() {
  const { me } = useSession();
  const isAdmin = me?.user?.role === 'admin';
  const set = useResource('routing-rules', (signal) => api('getRoutingRules', {}, { signal }));
  return (
    <>
      <h1>Routing rules</h1>
      <p className="muted">
        A new request that names no flow is routed by the first enabled rule that matches it: the rule starts its flow, or asks its
        approvers. A request no rule matches is asked of every approver and admin.
      </p>
      <ErrorMessage error={set.error} />
      {set.data && (isAdmin ? <RuleEditor set={set.data} onSaved={(s) => set.set(() => s)} /> : <RuleList set={set.data} />)}
    </>
  );
}

/** The rules as everyone reads them: what each matches and whom it asks, by name (people a member can see through the teams). */
function RuleList({ set }: { set: RuleSet }) {
  const flows = useResource('rule-list-flows', (signal) => api('listFlows', {}, { signal }));
  const teams = useResource('rule-list-teams', (signal) => api('listTeams', {}, { signal }));
  if (set.rules.length === 0) return <p className="muted">No rules: every approver and admin is asked about every request.</p>;
  const flowName = new Map((flows.data?.data ?? []).map((f) => [f.id, f.name]));
  const teamName = new Map((teams.data?.data ?? []).map((t) => [t.id, t.name]));
  const personName = new Map((teams.data?.data ?? []).flatMap((t) => t.members.map((m) => [m.user_id, m.name] as const)));
  const asks = (r: Rule): string => {
    if (r.action.flow_id) return `starts the flow “${flowName.get(r.action.flow_id) ?? 'no longer there'}”`;
    const a = r.action.approvers ?? { user_ids: [], team_ids: [] };
    const people = a.user_ids.map((id) => personName.get(id)).filter((n): n is string => n !== undefined);
    const others = a.user_ids.length - people.length;
    const names = [...people, ...(others > 0 ? [others === 1 ? '1 other person' : `${others} other people`] : []), ...a.team_ids.map((id) => `team ${teamName.get(id) ?? 'no longer there'}`)];
    return `asks ${names.join(', ')}${a.user_ids.length + a.team_ids.length > 1 || a.team_ids.length > 0 ? ` (${r.action.quorum ?? 1} of them)` : ''}`;
  };
  return (
    <ol className="stack" data-testid="rule-list">
      {set.rules.map((r) => (
        <li key={r.id} className="card">
          <strong>{r.name}</strong> {!r.enabled && <span className="badge">disabled</span>}
          <div className="small muted mono">{describeMatch(r)}</div>
          <div className="small" data-testid="rule-asks">
            {asks(r)}
          </div>
        </li>
      ))}
    </ol>
  );
}

function describeMatch(r: Rule): string {
  const m = r.match;
  const parts = [
    m.action_type && `action_type ${m.action_type}`,
    m.priority && `priority ${[m.priority].flat().join(' or ')}`,
    m.source && `source ${m.source}`,
    m.tags?.all && `tags all ${tagsText(m.tags.all)}`,
    m.tags?.any && `tags any ${tagsText(m.tags.any)}`,
    m.connection_ids && `${m.connection_ids.length} connection(s)`,
  ].filter(Boolean);
  return parts.length > 0 ? parts.join(' · ') : 'every request';
}

function RuleEditor({ set, onSaved }: { set: RuleSet; onSaved(s: RuleSet): void }) {
  const [drafts, setDrafts] = useState<Draft[]>(() => set.rules.map(toDraft));
  const [preview, setPreview] = useState<DryRun | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const [saved, setSaved] = useState(false);
  const flows = useResource('routing-flows', (signal) => api('listFlows', {}, { signal }));
  const teams = useResource('routing-teams', (signal) => api('listTeams', {}, { signal }));
  const members = useResource('routing-members', (signal) => api('listMembers', {}, { signal }));
  const connections = useResource('routing-connections', (signal) => api('listConnections', {}, { signal }));
  const options = {
    flows: flows.data?.data ?? [],
    teams: teams.data?.data ?? [],
    people: (members.data?.data ?? []).filter((m) => m.role !== 'viewer'),
    connections: (connections.data?.data ?? []).filter((c) => !c.revoked_at),
  };

  // Any edit makes the preview stale: saving needs a preview of exactly what is saved.
  const change = (next: Draft[]) => {
    setDrafts(next);
    setPreview(undefined);
    setSaved(false);
  };
  const update = (key: string, patch: Partial<Draft>) => change(drafts.map((d) => (d.key === key ? { ...d, ...patch } : d)));
  const move = (i: number, by: number) => {
    const next = [...drafts];
    const [d] = next.splice(i, 1);
    next.splice(i + by, 0, d!);
    change(next);
  };
  const run = async (fn: () => Promise<void>) => {
    setBusy(true);
    setError(undefined);
    try {
      await fn();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="stack">
      {drafts.length === 0 && <p className="muted">No rules: every approver and admin is asked about every request.</p>}
      {drafts.map((d, i) => (
        <RuleCard
          key={d.key}
          draft={d}
          position={i + 1}
          last={i === drafts.length - 1}
          options={options}
          onChange={(patch) => update(d.key, patch)}
          onMove={(by) => move(i, by)}
          onRemove={() => change(drafts.filter((x) => x.key !== d.key))}
        />
      ))}
      <div className="row">
        <button type="button" onClick={() => change([...drafts, blank()])}>
          Add a rule
        </button>
      </div>
      <section className="card stack" aria-labelledby="h-preview">
        <h2 id="h-preview">Preview and save</h2>
        <p className="small muted">
          The preview replays the latest 500 requests against these rules and the saved ones (version {set.version}); saving needs a preview of exactly
          what is saved.
        </p>
        <ErrorMessage error={error} />
        <div className="row">
          <button
            type="button"
            disabled={busy}
            onClick={() => run(async () => setPreview(await api('dryRunRoutingRules', { body: { rules: drafts.map(toInput) } })))}
          >
            Preview changes
          </button>
          <button
            type="button"
            className="primary"
            disabled={busy || !preview}
            onClick={() =>
              run(async () => {
                const next = await api('putRoutingRules', { body: { rules: drafts.map(toInput), expected_version: set.version } });
                // New rules now have ids: the drafts follow the saved set, so the next save keeps them.
                setDrafts(next.rules.map(toDraft));
                setPreview(undefined);
                onSaved(next);
                setSaved(true);
              })
            }
          >
            Save rules
          </button>
        </div>
        {saved && (
          <p className="alert" role="status">
            Saved.
          </p>
        )}
        {preview && <Preview result={preview} />}
      </section>
    </div>
  );
}

interface Options {
  flows: ApiOutput<'listFlows'>['data'];
  teams: ApiOutput<'listTeams'>['data'];
  people: ApiOutput<'listMembers'>['data'];
  connections: ApiOutput<'listConnections'>['data'];
}

function RuleCard(props: { draft: Draft; position: number; last: boolean; options: Options; onChange(p: Partial<Draft>): void; onMove(by: number): void; onRemove(): void }) {
  const { draft: d, position, options, onChange } = props;
  const id = useId();
  const label = d.name.trim() || `rule ${position}`;
  const toggle = <T,>(list: T[], value: T, on: boolean) => (on ? [...list, value] : list.filter((x) => x !== value));
  return (
    <section className="card stack" aria-labelledby={`${id}-h`} data-testid="routing-rule">
      <div className="row" style={{ justifyContent: 'space-between', flexWrap: 'wrap' }}>
        <h2 id={`${id}-h`}>
          {position}. {d.name.trim() || 'New rule'}
        </h2>
        <div className="row">
          <button type="button" disabled={position === 1} onClick={() => props.onMove(-1)}>
            Move up<span className="visually-hidden"> {label}</span>
          </button>
          <button type="button" disabled={props.last} onClick={() => props.onMove(1)}>
            Move down<span className="visually-hidden"> {label}</span>
          </button>
          <button type="button" className="link" onClick={props.onRemove}>
            Remove<span className="visually-hidden"> {label}</span>
          </button>
        </div>
      </div>
      <label htmlFor={`${id}-name`}>
        Rule name
        <input id={`${id}-name`} value={d.name} maxLength={200} required onChange={(e) => onChange({ name: e.target.value })} placeholder="Production deploys" />
      </label>
      <label style={{ fontWeight: 400 }}>
        <input type="checkbox" checked={d.enabled} onChange={(e) => onChange({ enabled: e.target.checked })} /> Enabled
      </label>
      <fieldset className="stack">
        <legend>When the request matches</legend>
        <label htmlFor={`${id}-at`}>
          Action type <span className="muted small">(glob, e.g. deploy.*)</span>
          <input id={`${id}-at`} className="mono" value={d.actionType} onChange={(e) => onChange({ actionType: e.target.value })} />
        </label>
        <div role="group" aria-label={`Priorities of ${label}`} className="row" style={{ flexWrap: 'wrap' }}>
          <span className="small">Priority:</span>
          {PRIORITIES.map((p) => (
            <label key={p} style={{ fontWeight: 400 }}>
              <input type="checkbox" checked={d.priorities.includes(p)} onChange={(e) => onChange({ priorities: toggle(d.priorities, p, e.target.checked) })} /> {p}
            </label>
          ))}
        </div>
        <label htmlFor={`${id}-src`}>
          Source <span className="muted small">(glob)</span>
          <input id={`${id}-src`} className="mono" value={d.source} onChange={(e) => onChange({ source: e.target.value })} />
        </label>
        <label htmlFor={`${id}-all`}>
          Tags, all of <span className="muted small">(key=value, comma-separated)</span>
          <input id={`${id}-all`} className="mono" value={d.tagsAll} onChange={(e) => onChange({ tagsAll: e.target.value })} />
        </label>
        <label htmlFor={`${id}-any`}>
          Tags, any of
          <input id={`${id}-any`} className="mono" value={d.tagsAny} onChange={(e) => onChange({ tagsAny: e.target.value })} />
        </label>
        {options.connections.length > 0 && (
          <div role="group" aria-label={`Connections of ${label}`} className="row" style={{ flexWrap: 'wrap' }}>
            <span className="small">Asked by:</span>
            {options.connections.map((c) => (
              <label key={c.id} style={{ fontWeight: 400 }}>
                <input
                  type="checkbox"
                  checked={d.connectionIds.includes(c.id)}
                  onChange={(e) => onChange({ connectionIds: toggle(d.connectionIds, c.id, e.target.checked) })}
                />{' '}
                {c.name}
              </label>
            ))}
          </div>
        )}
      </fieldset>
      <fieldset className="stack">
        <legend>Then ask</legend>
        <div className="row">
          <label style={{ fontWeight: 400 }}>
            <input type="radio" name={`${id}-kind`} checked={d.kind === 'approvers'} onChange={() => onChange({ kind: 'approvers' })} /> People and teams
          </label>
          <label style={{ fontWeight: 400 }}>
            <input type="radio" name={`${id}-kind`} checked={d.kind === 'flow'} onChange={() => onChange({ kind: 'flow' })} /> An approval flow
          </label>
        </div>
        {d.kind === 'flow' ? (
          <label htmlFor={`${id}-flow`}>
            Flow
            <select id={`${id}-flow`} value={d.flowId} onChange={(e) => onChange({ flowId: e.target.value })}>
              <option value="">Choose a flow…</option>
              {options.flows.map((f) => (
                <option key={f.id} value={f.id}>
                  {f.name}
                </option>
              ))}
            </select>
          </label>
        ) : (
          <>
            <div role="group" aria-label={`Teams asked by ${label}`} className="row" style={{ flexWrap: 'wrap' }}>
              <span className="small">Teams:</span>
              {options.teams.length === 0 && <span className="small muted">none yet</span>}
              {options.teams.map((t) => (
                <label key={t.id} style={{ fontWeight: 400 }}>
                  <input type="checkbox" checked={d.teamIds.includes(t.id)} onChange={(e) => onChange({ teamIds: toggle(d.teamIds, t.id, e.target.checked) })} />{' '}
                  {t.name}
                </label>
              ))}
            </div>
            <div role="group" aria-label={`People asked by ${label}`} className="row" style={{ flexWrap: 'wrap' }}>
              <span className="small">People:</span>
              {options.people.map((m) => (
                <label key={m.user_id} style={{ fontWeight: 400 }}>
                  <input type="checkbox" checked={d.userIds.includes(m.user_id)} onChange={(e) => onChange({ userIds: toggle(d.userIds, m.user_id, e.target.checked) })} />{' '}
                  {m.name ?? m.email}
                </label>
              ))}
            </div>
            <label htmlFor={`${id}-quorum`}>
              How many must approve <span className="muted small">(a number, or all)</span>
              <input id={`${id}-quorum`} value={d.quorum} style={{ width: '8rem' }} onChange={(e) => onChange({ quorum: e.target.value.trim().toLowerCase() })} />
            </label>
          </>
        )}
        <div className="row" style={{ flexWrap: 'wrap' }}>
          <label htmlFor={`${id}-exp`}>
            Expires after (minutes) <span className="muted small">(optional)</span>
            <input id={`${id}-exp`} type="number" min={1} value={d.expiresMinutes} style={{ width: '8rem' }} onChange={(e) => onChange({ expiresMinutes: e.target.value })} />
          </label>
          <label htmlFor={`${id}-onexp`}>
            At expiry
            <select id={`${id}-onexp`} value={d.onExpiry} onChange={(e) => onChange({ onExpiry: e.target.value as OnExpiry | '' })}>
              <option value="">as the flow or request says</option>
              {ON_EXPIRY.map((o) => (
                <option key={o} value={o}>
                  {o}
                </option>
              ))}
            </select>
          </label>
          <label htmlFor={`${id}-slack`}>
            Slack channel <span className="muted small">(optional)</span>
            <input id={`${id}-slack`} className="mono" value={d.slackChannel} placeholder="#deploys" onChange={(e) => onChange({ slackChannel: e.target.value })} />
          </label>
        </div>
      </fieldset>
    </section>
  );
}

function Preview({ result }: { result: DryRun }) {
  const moved = result.requests.filter((r) => r.moved);
  const ruleName = (r: DryRun['requests'][number]['current']) => (r ? `${r.position}. ${r.name}` : 'no rule');
  return (
    <div className="stack" data-testid="dry-run">
      <ul className="stack" aria-label="What would change">
        {result.summary.sentences.map((s) => (
          <li key={s}>{s}</li>
        ))}
      </ul>
      {moved.length > 0 && (
        <div className="table-wrap">
          <DataTable columns={['Request', 'Now', 'With these rules', 'Would ask']} caption="Requests that would move">
            {moved.slice(0, 50).map((r) => (
              <tr key={r.approval_id} data-testid="moved-request">
                <td>
                  <a href={`/requests/${r.approval_id}`}>{r.title}</a>
                  <div className="small muted mono">{r.action_type ?? '—'}</div>
                </td>
                <td>{ruleName(r.current)}</td>
                <td>{ruleName(r.candidate)}</td>
                <td className="small">{r.candidate_approvers.map((p) => p.name).join(', ') || 'nobody'}</td>
              </tr>
            ))}
          </DataTable>
          {moved.length > 50 && <p className="small muted">…and {moved.length - 50} more.</p>}
        </div>
      )}
    </div>
  );
}
