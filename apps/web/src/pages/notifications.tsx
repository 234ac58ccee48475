import { useId, useState, type ReactNode } from 'react';
import { api, type ApiInput, type ApiOutput } from '../api/client.ts';
import { useSession } from '../api/session.tsx';
import { ErrorMessage } from '../components/bits.tsx';
import { useResource } from '../lib/use-resource.ts';
import { NOTIFICATION_KINDS, PERSON_CHANNELS } from '../api/contract-values.ts';
import { useSubmit, type Submit } from '../lib/use-submit.ts';
import { WebPushDevices } from './webpush-devices.tsx';

type Preferences = ApiOutput<'getMyNotificationPreferences'>['preferences'];
type Defaults = ApiOutput<'getOrgNotificationDefaults'>;
type Policy = NonNullable<Defaults['reminder_policy']>;
type Member = ApiOutput<'listMembers'>['data'][number];
type Team = ApiOutput<'listTeams'>['data'][number];

const CHANNELS: { value: Preferences['channels']; label: string; hint: string }[] = [
  { value: 'email', label: 'Email', hint: 'a message for each request that asks you' },
  { value: 'slack', label: 'Slack', hint: 'a direct message for each request, where Slack is set up' },
  { value: 'both', label: 'Every channel', hint: 'email, Slack, Telegram, Discord or Microsoft Teams once you linked them, and push to the devices you turned on below' },
  { value: 'digest_only', label: 'Daily digest only', hint: 'no message per request; one email a day of what waits for you' },
];

type Kind = (typeof NOTIFICATION_KINDS)[number];
type PersonChannel = (typeof PERSON_CHANNELS)[number];

const KIND_WORDS: Record<Kind, string> = {
  approval_request: 'A request that asks you',
  reminder: 'Reminders',
  digest: 'The daily digest',
  execution_receipt: 'Receipts of what was done with what you approved',
  waiter_gone: 'A request of yours nobody waits for any more',
};
const CHANNEL_WORDS: Record<PersonChannel, string> = { email: 'Email', slack: 'Slack', telegram: 'Telegram', discord: 'Discord', msteams: 'Microsoft Teams', webpush: 'Push' };

/** Per kind of message: follow the choice above, or these channels (none at all is a choice too). */
function ByKind({ value, onChange }: { value: Preferences['by_kind']; onChange(next: Preferences['by_kind']): void }) {
  const set = (kind: Kind, channels: PersonChannel[] | undefined) => {
    const next = { ...value };
    if (channels === undefined) delete next[kind];
    else next[kind] = channels;
    onChange(next);
  };
  return (
    <fieldset className="stack" data-testid="by-kind">
      <legend>By kind of message</legend>
      <p className="small muted">A kind you choose channels for goes by those instead; Telegram, Discord and Microsoft Teams reach you once you linked them (Organization page); push reaches the devices you turned on below (requests and reminders only).</p>
      {NOTIFICATION_KINDS.map((kind) => {
        const chosen = value[kind];
        return (
          <div key={kind} className="stack" role="group" aria-label={KIND_WORDS[kind]}>
            <label className="row">
              <input type="checkbox" checked={chosen !== undefined} onChange={(e) => set(kind, e.target.checked ? [] : undefined)} />
              <span>
                {KIND_WORDS[kind]}: {chosen === undefined ? <span className="small muted">as above</span> : 'only by'}
              </span>
            </label>
            {chosen !== undefined && (
              <div className="row">
                {PERSON_CHANNELS.map((c) => (
                  <label key={c} className="row">
                    <input
                      type="checkbox"
                      checked={chosen.includes(c)}
                      onChange={(e) => set(kind, e.target.checked ? PERSON_CHANNELS.filter((x) => x === c || chosen.includes(x)) : chosen.filter((x) => x !== c))}
                    />
                    <span>{CHANNEL_WORDS[c]}</span>
                  </label>
                ))}
                {chosen.length === 0 && <span className="small muted">none: not told of these</span>}
              </div>
            )}
          </div>
        );
      })}
    </fieldset>
  );
}

const HOURS = Array.from({ length: 24 }, (_, h) => h);
const hourLabel = (h: number) => `${String(h).padStart(2, '0')}:00`;

/** Time zones the browser knows, for the picker; the server checks whatever is typed. */
function timeZones(): string[] {
  const intl = Intl as unknown as { supportedValuesOf?: (key: string) => string[] };
  return intl.supportedValuesOf ? intl.supportedValuesOf('timeZone') : ['UTC'];
}

/**
 * Notification preferences: how each person is told (channels, quiet hours, a daily digest), and for
 * admins the org's defaults and its default reminder and escalation policy.
 */
export function NotificationsPage() {
  const { me } = useSession();
  const isAdmin = me?.user?.role === 'admin';
  const mine = useResource('my-notification-preferences', (signal) => api('getMyNotificationPreferences', {}, { signal }));
  return (
    <>
      <h1>Notifications</h1>
      {me?.notifications && !me.notifications.email && (
        <p className="alert" data-testid="email-off">
          Email is off on this server: until the operator sets <code>GREENLIGHT_SMTP_URL</code> and <code>GREENLIGHT_MAIL_FROM</code>, nobody is emailed.
        </p>
      )}
      <ErrorMessage error={mine.error} />
      {mine.data && (
        <section className="card stack" aria-labelledby="h-mine" data-testid="my-preferences">
          <h2 id="h-mine">Your preferences</h2>
          <p className="small muted" data-testid="preferences-source">
            {mine.data.own ? 'Your own choices.' : 'You follow the organization defaults.'}
          </p>
          <PreferencesForm
            key={String(mine.data.own)}
            initial={mine.data.preferences}
            submitLabel="Save my preferences"
            save={async (p) => {
              const next = await api('updateMyNotificationPreferences', { body: p });
              mine.set(() => next);
            }}
            extra={
              mine.data.own ? (
                <button
                  type="button"
                  onClick={async () => {
                    const next = await api('updateMyNotificationPreferences', { body: { use_org_defaults: true } });
                    mine.set(() => next);
                  }}
                >
                  Use the organization defaults
                </button>
              ) : null
            }
          />
        </section>
      )}
      {me?.user && me.user.role !== 'viewer' && <WebPushDevices />}
      {isAdmin && <OrgDefaults />}
    </>
  );
}

function PreferencesForm(props: {
  initial: Preferences;
  submitLabel: string;
  save(p: Preferences): Promise<void>;
  extra?: ReactNode;
}) {
  const id = useId();
  const [p, setP] = useState<Preferences>(props.initial);
  const submit = useSubmit(() => props.save(p));
  const zones = timeZones();
  const digestOn = p.digest_hour !== null || p.channels === 'digest_only';
  return (
    <form className="stack" onSubmit={submit.onSubmit}>
      <fieldset className="stack">
        <legend>How you are told</legend>
        {CHANNELS.map((c) => (
          <label key={c.value} className="row">
            <input type="radio" name={`${id}-channels`} value={c.value} checked={p.channels === c.value} onChange={() => setP({ ...p, channels: c.value })} />
            <span>
              {c.label} <span className="small muted">— {c.hint}</span>
            </span>
          </label>
        ))}
      </fieldset>
      <ByKind value={p.by_kind ?? {}} onChange={(by_kind) => setP({ ...p, by_kind })} />
      <label htmlFor={`${id}-tz`}>Time zone</label>
      <input id={`${id}-tz`} list={`${id}-zones`} value={p.time_zone} onChange={(e) => setP({ ...p, time_zone: e.target.value })} required maxLength={64} />
      <datalist id={`${id}-zones`}>
        {zones.map((z) => (
          <option key={z} value={z} />
        ))}
      </datalist>
      <fieldset className="stack">
        <legend>Quiet hours</legend>
        <label className="row">
          <input
            type="checkbox"
            checked={p.quiet_hours !== null}
            onChange={(e) => setP({ ...p, quiet_hours: e.target.checked ? { start: '22:00', end: '07:00' } : null })}
          />
          <span>Hold messages during quiet hours; they arrive when the quiet hours end</span>
        </label>
        {p.quiet_hours && (
          <div className="row">
            <label htmlFor={`${id}-qs`}>From</label>
            <input id={`${id}-qs`} type="time" value={p.quiet_hours.start} onChange={(e) => setP({ ...p, quiet_hours: { ...p.quiet_hours!, start: e.target.value } })} required />
            <label htmlFor={`${id}-qe`}>to</label>
            <input id={`${id}-qe`} type="time" value={p.quiet_hours.end} onChange={(e) => setP({ ...p, quiet_hours: { ...p.quiet_hours!, end: e.target.value } })} required />
          </div>
        )}
      </fieldset>
      <fieldset className="stack">
        <legend>Daily digest</legend>
        <label className="row">
          <input
            type="checkbox"
            checked={digestOn}
            disabled={p.channels === 'digest_only'}
            onChange={(e) => setP({ ...p, digest_hour: e.target.checked ? 9 : null })}
          />
          <span>One email a day listing what waits for you</span>
        </label>
        {digestOn && (
          <div className="row">
            <label htmlFor={`${id}-dh`}>At</label>
            <select id={`${id}-dh`} value={p.digest_hour ?? 9} onChange={(e) => setP({ ...p, digest_hour: Number(e.target.value) })}>
              {HOURS.map((h) => (
                <option key={h} value={h}>
                  {hourLabel(h)}
                </option>
              ))}
            </select>
          </div>
        )}
      </fieldset>
      <SaveRow submit={submit} label={props.submitLabel}>
        {props.extra}
      </SaveRow>
    </form>
  );
}

/** Below a form of this page: its refusal, its submit button, and "Saved." once it saved. */
function SaveRow(props: { submit: Submit; label: string; children?: ReactNode }) {
  return (
    <>
      <ErrorMessage error={props.submit.error} />
      <div className="row">
        <button type="submit" className="primary" disabled={props.submit.busy}>
          {props.label}
        </button>
        {props.children}
        <span role="status" className="small muted">
          {props.submit.saved ? 'Saved.' : ''}
        </span>
      </div>
    </>
  );
}

function OrgDefaults() {
  const defaults = useResource('org-notification-defaults', (signal) => api('getOrgNotificationDefaults', {}, { signal }));
  const members = useResource('notification-members', (signal) => api('listMembers', {}, { signal }));
  const teams = useResource('notification-teams', (signal) => api('listTeams', {}, { signal }));
  return (
    <section className="card stack" aria-labelledby="h-defaults" data-testid="org-defaults">
      <h2 id="h-defaults">Organization defaults</h2>
      <p className="small muted">For members who have not chosen their own preferences.</p>
      <ErrorMessage error={defaults.error} />
      {defaults.data && (
        <>
          <PreferencesForm
            initial={defaults.data.preferences}
            submitLabel="Save defaults"
            save={async (p) => {
              const next = await api('updateOrgNotificationDefaults', { body: { preferences: p } });
              defaults.set(() => next);
            }}
          />
          <h3>Reminders and escalation</h3>
          <p className="small muted">For steps without a policy of their own in their flow.</p>
          <PolicyForm
            initial={defaults.data.reminder_policy}
            members={members.data?.data ?? []}
            teams={teams.data?.data ?? []}
            save={async (policy) => {
              const next = await api('updateOrgNotificationDefaults', { body: { reminder_policy: policy } });
              defaults.set(() => next);
            }}
          />
        </>
      )}
    </section>
  );
}

type PolicyBody = ApiInput<'updateOrgNotificationDefaults'>['body']['reminder_policy'];

/** Whom escalation asks, as the select's value: `next_level`, `user:<id>` or `team:<id>`. */
type EscalationTarget = NonNullable<Policy['escalate']>['to'];
const targetValue = (to: EscalationTarget | undefined): string =>
  to === undefined || to === 'next_level' ? 'next_level' : 'user_id' in to ? `user:${to.user_id}` : `team:${to.team_id}`;
const targetOf = (value: string): EscalationTarget =>
  value.startsWith('user:') ? { user_id: value.slice(5) } : value.startsWith('team:') ? { team_id: value.slice(5) } : 'next_level';

function PolicyForm(props: { initial: Policy | null; members: Member[]; teams: Team[]; save(p: PolicyBody): Promise<void> }) {
  const id = useId();
  const [remindAfter, setRemindAfter] = useState(props.initial?.remind?.after ?? '');
  const [remindEvery, setRemindEvery] = useState(props.initial?.remind?.every ?? '');
  const [remindMax, setRemindMax] = useState(props.initial?.remind?.max?.toString() ?? '');
  const [escalateAfter, setEscalateAfter] = useState(props.initial?.escalate?.after ?? '');
  const [escalateTo, setEscalateTo] = useState(targetValue(props.initial?.escalate?.to));
  const submit = useSubmit(() => {
    const remind = remindAfter ? { after: remindAfter, ...(remindEvery ? { every: remindEvery } : {}), ...(remindMax ? { max: Number(remindMax) } : {}) } : undefined;
    const escalate = escalateAfter ? { after: escalateAfter, to: targetOf(escalateTo) } : undefined;
    return props.save(remind || escalate ? { ...(remind ? { remind } : {}), ...(escalate ? { escalate } : {}) } : null);
  });
  return (
    <form className="stack" onSubmit={submit.onSubmit}>
      <p className="small muted">Durations such as 30m, 4h or 2d. Leave a field empty to turn that part off.</p>
      <div className="row">
        <label htmlFor={`${id}-ra`}>Remind after</label>
        <input id={`${id}-ra`} value={remindAfter} onChange={(e) => setRemindAfter(e.target.value)} placeholder="4h" size={6} />
        <label htmlFor={`${id}-re`}>then every</label>
        <input id={`${id}-re`} value={remindEvery} onChange={(e) => setRemindEvery(e.target.value)} placeholder="1d" size={6} />
        <label htmlFor={`${id}-rm`}>at most</label>
        <input id={`${id}-rm`} type="number" min={1} max={20} value={remindMax} onChange={(e) => setRemindMax(e.target.value)} placeholder="3" style={{ width: '5rem' }} />
        <span>times</span>
      </div>
      <div className="row">
        <label htmlFor={`${id}-ea`}>Escalate after</label>
        <input id={`${id}-ea`} value={escalateAfter} onChange={(e) => setEscalateAfter(e.target.value)} placeholder="1d" size={6} />
        <label htmlFor={`${id}-et`}>to</label>
        <select id={`${id}-et`} value={escalateTo} onChange={(e) => setEscalateTo(e.target.value)}>
          <option value="next_level">the organization's admins</option>
          {props.members
            .filter((m) => m.role !== 'viewer')
            .map((m) => (
              <option key={m.user_id} value={`user:${m.user_id}`}>
                {m.name ?? m.email}
              </option>
            ))}
          {props.teams.map((t) => (
            <option key={t.id} value={`team:${t.id}`}>
              team {t.name}
            </option>
          ))}
        </select>
      </div>
      <SaveRow submit={submit} label="Save reminder policy" />
    </form>
  );
}
