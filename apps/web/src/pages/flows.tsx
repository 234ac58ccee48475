import { useId, useState } from 'react';
import type { Quorum } from '@greenlight/contract';
import { api, type ApiOutput } from '../api/client.ts';
import { useSession } from '../api/session.tsx';
import { ConfirmButton, ErrorMessage } from '../components/bits.tsx';
import { PickList, QuorumSelect } from '../components/pickers.tsx';
import { fromNow } from '../lib/format.ts';
import { useResource } from '../lib/use-resource.ts';
import { useSubmit } from '../lib/use-submit.ts';

type Flow = ApiOutput<'listFlows'>['data'][number];
type Named = { id: string; name: string };

interface StepDraft {
  name: string;
  user_ids: string[];
  team_ids: string[];
  quorum: string;
  time_limit_minutes: string;
}
interface FlowDraft {
  name: string;
  description: string;
  expires_in_minutes: string;
  on_expiry: Flow['on_expiry'];
  steps: StepDraft[];
}

const emptyStep = (): StepDraft => ({ name: '', user_ids: [], team_ids: [], quorum: '1', time_limit_minutes: '' });
const emptyFlow = (): FlowDraft => ({ name: '', description: '', expires_in_minutes: '', on_expiry: 'expire', steps: [emptyStep()] });

function draftOf(f: Flow): FlowDraft {
  return {
    name: f.name,
    description: f.description ?? '',
    expires_in_minutes: f.expires_in_seconds ? String(Math.round(f.expires_in_seconds / 60)) : '',
    on_expiry: f.on_expiry,
    steps: f.steps.map((s) => ({
      name: s.name ?? '',
      user_ids: s.approvers.user_ids,
      team_ids: s.approvers.team_ids,
      quorum: String(s.quorum),
      time_limit_minutes: s.time_limit_seconds ? String(Math.round(s.time_limit_seconds / 60)) : '',
    })),
  };
}

const minutes = (v: string) => (v.trim() ? Math.round(Number(v) * 60) : undefined);

/** A change clears what the form left empty (`null`); a new flow just leaves it out. */
function updateOf(d: FlowDraft) {
  const { description, expires_in_seconds, ...rest } = bodyOf(d);
  return { ...rest, description: description ?? null, expires_in_seconds: expires_in_seconds ?? null };
}

function bodyOf(d: FlowDraft): {
  name: string;
  description?: string;
  expires_in_seconds?: number;
  on_expiry: FlowDraft['on_expiry'];
  steps: { name?: string; approvers: { user_ids: string[]; team_ids: string[] }; quorum: Quorum; time_limit_seconds?: number }[];
} {
  return {
    name: d.name,
    ...(d.description.trim() ? { description: d.description } : {}),
    ...(minutes(d.expires_in_minutes) ? { expires_in_seconds: minutes(d.expires_in_minutes)! } : {}),
    on_expiry: d.on_expiry,
    steps: d.steps.map((s) => ({
      ...(s.name.trim() ? { name: s.name.trim() } : {}),
      approvers: { user_ids: s.user_ids, team_ids: s.team_ids },
      quorum: (s.quorum === 'all' ? 'all' : Number(s.quorum)) as Quorum,
      ...(minutes(s.time_limit_minutes) ? { time_limit_seconds: minutes(s.time_limit_minutes)! } : {}),
    })),
  };
}

/**
 * Approval flows: reusable templates of ordered steps (people and/or teams, how many must approve, an
 * optional time limit), started by naming `flow_id` on a request. Everyone sees them; admins create
 * and change them (a change is a new version; runs keep theirs).
 */
export function FlowsPage() {
  const { me } = useSession();
  const isAdmin = me?.user?.role === 'admin';
  const flows = useResource('flows', (signal) => api('listFlows', {}, { signal }));
  const teams = useResource('flow-teams', (signal) => api('listTeams', {}, { signal }));
  const members = useResource(isAdmin ? 'flow-members' : 'flow-no-members', (signal) =>
    isAdmin ? api('listMembers', {}, { signal }) : Promise.resolve({ data: [] as ApiOutput<'listMembers'>['data'] }),
  );
  const teamList: Named[] = (teams.data?.data ?? []).map((t) => ({ id: t.id, name: t.name }));
  // Names of people: every member for an admin; others know the members of the teams.
  const peopleNames = new Map<string, string>();
  for (const t of teams.data?.data ?? []) for (const m of t.members) peopleNames.set(m.user_id, m.name);
  for (const m of members.data?.data ?? []) peopleNames.set(m.user_id, m.name ?? m.email);
  const people: Named[] = (members.data?.data ?? []).filter((m) => m.role !== 'viewer').map((m) => ({ id: m.user_id, name: m.name ?? m.email }));
  const [editing, setEditing] = useState<string | null>(null);
  const replace = (f: Flow) =>
    flows.set((cur) => cur && { data: [...cur.data.filter((x) => x.id !== f.id), f].sort((a, b) => a.name.toLowerCase().localeCompare(b.name.toLowerCase())) });

  return (
    <>
      <h1>Approval flows</h1>
      <p className="muted">
        A flow is a reusable list of steps: each asks people and/or teams, and needs one, several or all of them to approve. An automation starts a run
        of a flow by sending its <code>flow_id</code> with a request.
      </p>
      <ErrorMessage error={flows.error} />
      {isAdmin && editing === null && (
        <FlowForm
          title="New flow"
          initial={emptyFlow()}
          people={people}
          teams={teamList}
          submitLabel="Create flow"
          onSubmit={async (draft) => replace(await api('createFlow', { body: bodyOf(draft) }))}
        />
      )}
      {flows.data && flows.data.data.length === 0 && <p className="muted">No flows yet.</p>}
      {flows.data?.data.map((f) =>
        editing === f.id ? (
          <FlowForm
            key={f.id}
            title={`Change ${f.name}`}
            initial={draftOf(f)}
            people={people}
            teams={teamList}
            submitLabel="Save (new version)"
            onCancel={() => setEditing(null)}
            onSubmit={async (draft) => {
              replace(await api('updateFlow', { params: { id: f.id }, body: updateOf(draft) }));
              setEditing(null);
            }}
          />
        ) : (
          <section className="card stack" key={f.id} data-testid="flow" aria-label={f.name}>
            <h2>{f.name}</h2>
            <p className="small muted">
              version {f.version} · changed {fromNow(f.updated_at)}
              {f.expires_in_seconds ? ` · a run expires after ${Math.round(f.expires_in_seconds / 60)} min, then ${f.on_expiry}` : ''} · id{' '}
              <code>{f.id}</code>
            </p>
            {f.description && <p>{f.description}</p>}
            <ol style={{ paddingLeft: '1.25rem' }}>
              {f.steps.map((s, i) => (
                <li key={i} data-testid="flow-step-summary">
                  {s.name && <strong>{s.name}: </strong>}
                  {[
                    ...s.approvers.user_ids.map((uid) => peopleNames.get(uid) ?? 'a member'),
                    ...s.approvers.team_ids.map((tid) => `team ${teamList.find((t) => t.id === tid)?.name ?? 'no longer there'}`),
                  ].join(', ')}{' '}
                  <span className="muted">({s.quorum === 'all' ? 'all of them' : s.quorum === 1 ? 'one of them' : `${s.quorum} of them`})</span>
                  {s.time_limit_seconds ? <span className="muted"> · {Math.round(s.time_limit_seconds / 60)} min once active</span> : null}
                </li>
              ))}
            </ol>
            {isAdmin && (
              <div className="row">
                <button type="button" className="secondary" onClick={() => setEditing(f.id)}>
                  Change<span className="visually-hidden"> {f.name}</span>
                </button>
                <ConfirmButton
                  title={`Delete the flow ${f.name}?`}
                  body={<p>New requests can no longer name it; runs already started go on.</p>}
                  confirmLabel="Delete"
                  danger
                  onConfirm={async () => {
                    await api('deleteFlow', { params: { id: f.id } });
                    flows.set((cur) => cur && { data: cur.data.filter((x) => x.id !== f.id) });
                  }}
                >
                  Delete flow
                </ConfirmButton>
              </div>
            )}
          </section>
        ),
      )}
    </>
  );
}

function FlowForm(props: {
  title: string;
  initial: FlowDraft;
  people: Named[];
  teams: Named[];
  submitLabel: string;
  onSubmit(draft: FlowDraft): Promise<void>;
  onCancel?(): void;
}) {
  const id = useId();
  const [d, setD] = useState<FlowDraft>(props.initial);
  const submit = useSubmit(async () => {
    await props.onSubmit(d);
    if (!props.onCancel) setD(emptyFlow());
  });
  const setStep = (i: number, patch: Partial<StepDraft>) => setD({ ...d, steps: d.steps.map((s, j) => (j === i ? { ...s, ...patch } : s)) });
  return (
    <form
      className="card stack"
      aria-labelledby={`${id}-h`}
      data-testid="flow-form"
      onSubmit={submit.onSubmit}
    >
      <h2 id={`${id}-h`}>{props.title}</h2>
      <label>
        Name
        <input required maxLength={200} value={d.name} onChange={(e) => setD({ ...d, name: e.target.value })} placeholder="Production deploy" />
      </label>
      <label>
        Description
        <input maxLength={2000} value={d.description} onChange={(e) => setD({ ...d, description: e.target.value })} />
      </label>
      <div className="row">
        <label>
          A run expires after (minutes, optional)
          <input type="number" min={1} value={d.expires_in_minutes} onChange={(e) => setD({ ...d, expires_in_minutes: e.target.value })} />
        </label>
        <label>
          Then
          <select value={d.on_expiry} onChange={(e) => setD({ ...d, on_expiry: e.target.value as FlowDraft['on_expiry'] })}>
            <option value="expire">expire</option>
            <option value="approve">approve</option>
            <option value="reject">reject</option>
          </select>
        </label>
      </div>
      {d.steps.map((s, i) => (
        <fieldset key={i} className="flow-step" data-testid="flow-step">
          <legend>Step {i + 1}</legend>
          <label>
            Step name (optional)
            <input maxLength={200} value={s.name} onChange={(e) => setStep(i, { name: e.target.value })} placeholder="SRE on call" />
          </label>
          <div className="small muted">People</div>
          <PickList options={props.people} picked={s.user_ids} onChange={(user_ids) => setStep(i, { user_ids })} />
          <div className="small muted">Teams</div>
          <PickList options={props.teams} picked={s.team_ids} onChange={(team_ids) => setStep(i, { team_ids })} empty="No teams yet." />
          <div className="row">
            <label>
              How many must approve
              <QuorumSelect value={s.quorum} onChange={(quorum) => setStep(i, { quorum })} />
            </label>
            <label>
              Time limit once active (minutes, optional)
              <input type="number" min={1} value={s.time_limit_minutes} onChange={(e) => setStep(i, { time_limit_minutes: e.target.value })} />
            </label>
          </div>
          {d.steps.length > 1 && (
            <div>
              <button type="button" className="link" onClick={() => setD({ ...d, steps: d.steps.filter((_, j) => j !== i) })}>
                Remove step {i + 1}
              </button>
            </div>
          )}
        </fieldset>
      ))}
      <div>
        <button type="button" className="secondary" onClick={() => setD({ ...d, steps: [...d.steps, emptyStep()] })}>
          Add a step
        </button>
      </div>
      <ErrorMessage error={submit.error} />
      <div className="row">
        <button type="submit" className="primary" disabled={submit.busy || !d.name.trim()}>
          {props.submitLabel}
        </button>
        {props.onCancel && (
          <button type="button" className="secondary" onClick={props.onCancel}>
            Cancel
          </button>
        )}
      </div>
    </form>
  );
}
