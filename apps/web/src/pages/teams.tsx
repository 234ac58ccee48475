import { useId, useState } from 'react';
import { api, type ApiOutput } from '../api/client.ts';
import { useSession } from '../api/session.tsx';
import { ConfirmButton, ErrorMessage } from '../components/bits.tsx';
import { fromNow } from '../lib/format.ts';
import { useResource, type Resource } from '../lib/use-resource.ts';
import { useSubmit } from '../lib/use-submit.ts';

type Team = ApiOutput<'listTeams'>['data'][number];
type Member = ApiOutput<'listMembers'>['data'][number];

/**
 * Teams: everyone sees them (a step can name a team); admins create, rename and delete them and
 * choose their members from the organization's members.
 */
export function TeamsPage() {
  const { me } = useSession();
  const isAdmin = me?.user?.role === 'admin';
  const teams = useResource('teams', (signal) => api('listTeams', {}, { signal }));
  const members = useResource(isAdmin ? 'team-members' : 'no-team-members', (signal) => (isAdmin ? api('listMembers', {}, { signal }) : Promise.resolve({ data: [] as Member[] })));
  const replace = (t: Team) =>
    teams.set((cur) => cur && { data: [...cur.data.filter((x) => x.id !== t.id), t].sort((a, b) => a.name.toLowerCase().localeCompare(b.name.toLowerCase())) });
  return (
    <>
      <h1>Teams</h1>
      <p className="muted">A step of a request can ask a team instead of a person: any member of the team may decide it, as many of them as the step needs.</p>
      <ErrorMessage error={teams.error} />
      {isAdmin && <CreateTeamForm onCreated={replace} />}
      {teams.data && teams.data.data.length === 0 && <p className="muted">No teams yet.</p>}
      {teams.data?.data.map((t) => (
        <TeamCard
          key={t.id}
          team={t}
          isAdmin={isAdmin}
          members={members}
          onChanged={replace}
          onDeleted={() => teams.set((cur) => cur && { data: cur.data.filter((x) => x.id !== t.id) })}
        />
      ))}
    </>
  );
}

function CreateTeamForm({ onCreated }: { onCreated(t: Team): void }) {
  const id = useId();
  const [name, setName] = useState('');
  const submit = useSubmit(async () => {
    onCreated(await api('createTeam', { body: { name } }));
    setName('');
  });
  return (
    <form className="card stack" aria-labelledby={`${id}-h`} onSubmit={submit.onSubmit}>
      <h2 id={`${id}-h`}>New team</h2>
      <label htmlFor={`${id}-name`}>Name</label>
      <input id={`${id}-name`} value={name} onChange={(e) => setName(e.target.value)} required maxLength={200} placeholder="SRE" />
      <ErrorMessage error={submit.error} />
      <div>
        <button type="submit" className="primary" disabled={submit.busy || !name.trim()}>
          Create team
        </button>
      </div>
    </form>
  );
}

function TeamCard(props: { team: Team; isAdmin: boolean; members: Resource<{ data: Member[] }>; onChanged(t: Team): void; onDeleted(): void }) {
  const { team: t, isAdmin, onChanged } = props;
  const id = useId();
  const [error, setError] = useState<unknown>(undefined);
  const [name, setName] = useState(t.name);
  const [adding, setAdding] = useState('');
  const act = async (fn: () => Promise<Team>) => {
    setError(undefined);
    try {
      onChanged(await fn());
    } catch (err) {
      setError(err);
    }
  };
  const inTeam = new Set(t.members.map((m) => m.user_id));
  const candidates = (props.members.data?.data ?? []).filter((m) => !inTeam.has(m.user_id) && m.role !== 'viewer');
  return (
    <section className="card stack" aria-labelledby={`${id}-h`} data-testid="team">
      <h2 id={`${id}-h`}>{t.name}</h2>
      <p className="small muted">
        {t.members.length === 1 ? '1 member' : `${t.members.length} members`} · created {fromNow(t.created_at)}
      </p>
      {t.members.length > 0 && (
        <ul className="stack" style={{ paddingLeft: '1.25rem' }}>
          {t.members.map((m) => (
            <li key={m.user_id} className="row">
              <span>{m.name}</span>
              {isAdmin && (
                <button type="button" className="link" onClick={() => act(() => api('removeTeamMember', { params: { id: t.id, userId: m.user_id } }))}>
                  Remove<span className="visually-hidden"> {m.name} from {t.name}</span>
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
      <ErrorMessage error={error} />
      {isAdmin && (
        <div className="stack">
          <form
            className="row"
            onSubmit={(e) => {
              e.preventDefault();
              if (adding) void act(() => api('addTeamMember', { params: { id: t.id }, body: { user_id: adding } })).then(() => setAdding(''));
            }}
          >
            <label htmlFor={`${id}-add`} className="visually-hidden">
              Add a member to {t.name}
            </label>
            <select id={`${id}-add`} value={adding} onChange={(e) => setAdding(e.target.value)} style={{ width: 'auto', maxWidth: '100%' }}>
              <option value="">Add a member…</option>
              {candidates.map((m) => (
                <option key={m.user_id} value={m.user_id}>
                  {m.name ?? m.email}
                </option>
              ))}
            </select>
            <button type="submit" disabled={!adding}>
              Add
            </button>
          </form>
          <form
            className="row"
            onSubmit={(e) => {
              e.preventDefault();
              void act(() => api('updateTeam', { params: { id: t.id }, body: { name } }));
            }}
          >
            <label htmlFor={`${id}-rename`} className="visually-hidden">
              New name for {t.name}
            </label>
            <input id={`${id}-rename`} value={name} onChange={(e) => setName(e.target.value)} maxLength={200} style={{ width: 'auto' }} />
            <button type="submit" disabled={!name.trim() || name.trim() === t.name}>
              Rename
            </button>
            <ConfirmButton
              title={`Delete the team ${t.name}?`}
              body={<p>Steps and flows that name this team must be changed first; the deletion is refused while any pending request waits on it.</p>}
              confirmLabel="Delete"
              danger
              onConfirm={async () => {
                await api('deleteTeam', { params: { id: t.id } });
                props.onDeleted();
              }}
            >
              Delete team
            </ConfirmButton>
          </form>
        </div>
      )}
    </section>
  );
}
