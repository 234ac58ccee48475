import { useEffect, useId, useState } from 'react';
import { api, type ApiOutput } from '../api/client.ts';
import { PRIORITIES } from '../api/contract-values.ts';
import { ConfirmButton, ErrorMessage, SaveFooter } from '../components/bits.tsx';
import { fromNow } from '../lib/format.ts';
import { useResource } from '../lib/use-resource.ts';
import { useSubmit } from '../lib/use-submit.ts';
import { registerPasskey } from '../lib/webauthn.ts';

/** The person's passkeys: register one (a WebAuthn ceremony), see them, remove one. */
export function Passkeys() {
  const id = useId();
  const passkeys = useResource('passkeys', (signal) => api('listPasskeys', {}, { signal }));
  const [name, setName] = useState('');
  const add = useSubmit(async () => {
    const created = await registerPasskey(name.trim() || 'Passkey');
    passkeys.set((current) => ({ data: [...(current?.data ?? []), created] }));
    setName('');
  });
  const list = passkeys.data?.data ?? [];
  return (
    <section className="card" aria-labelledby="h-passkeys" data-testid="passkeys">
      <h2 id="h-passkeys">Passkeys</h2>
      <p className="muted">
        A passkey confirms it is you before you decide a request your organization marks as needing it. It stays on your device (or your password
        manager); Greenlight keeps only its public key.
      </p>
      <ErrorMessage error={passkeys.error} />
      {list.length === 0 ? (
        <p className="muted">You have no passkey yet.</p>
      ) : (
        <ul data-testid="passkey-list">
          {list.map((p) => (
            <li key={p.id}>
              <strong>{p.name}</strong> — added {fromNow(p.created_at)}
              {p.last_used_at ? `, last used ${fromNow(p.last_used_at)}` : ', never used'}{' '}
              <ConfirmButton
                className="danger"
                title={`Remove the passkey “${p.name}”?`}
                body={<p>It no longer confirms it is you. You can register it again later.</p>}
                confirmLabel="Remove"
                danger
                onConfirm={async () => {
                  const left = await api('deletePasskey', { params: { id: p.id } });
                  passkeys.set(() => left);
                }}
              >
                Remove
              </ConfirmButton>
            </li>
          ))}
        </ul>
      )}
      <form className="stack" onSubmit={add.onSubmit}>
        <label htmlFor={`${id}-name`}>
          Name
          <input id={`${id}-name`} name="passkey-name" placeholder="Laptop" maxLength={100} value={name} onChange={(e) => setName(e.target.value)} />
        </label>
        <SaveFooter submit={add} label="Register a passkey" />
      </form>
    </section>
  );
}

type StepUp = ApiOutput<'getStepUpSettings'>;
type Priority = StepUp['priorities'][number];

/** Admins: which requests are decided only after a passkey confirmation (priorities, action-type globs). */
export function StepUpSetting() {
  const id = useId();
  const setting = useResource('step-up-settings', (signal) => api('getStepUpSettings', {}, { signal }));
  const [priorities, setPriorities] = useState<Priority[]>([]);
  const [globs, setGlobs] = useState('');
  useEffect(() => {
    if (!setting.data) return;
    setPriorities(setting.data.priorities);
    setGlobs(setting.data.action_types.join('\n'));
  }, [setting.data]);
  const save = useSubmit(async () => {
    const action_types = globs
      .split('\n')
      .map((g) => g.trim())
      .filter((g) => g !== '');
    const next = await api('updateStepUpSettings', { body: { priorities, action_types } });
    setting.set(() => next);
  });
  const toggle = (p: Priority, on: boolean) => setPriorities((current) => (on ? [...current.filter((x) => x !== p), p] : current.filter((x) => x !== p)));
  return (
    <section className="card" aria-labelledby="h-step-up" data-testid="step-up-setting">
      <h2 id="h-step-up">Passkey confirmation</h2>
      <p className="muted">
        Requests chosen here are decided only on this dashboard, by a person who confirmed it is them with a passkey in the last five minutes. Email
        links, Slack and Telegram buttons and API keys decide none of them: they point to the request&apos;s page instead.
      </p>
      <ErrorMessage error={setting.error} />
      {setting.data && (
        <form className="stack" onSubmit={save.onSubmit}>
          <fieldset>
            <legend>Priorities</legend>
            {PRIORITIES.map((p) => (
              <label key={p} className="check">
                <input type="checkbox" name={`step-up-${p}`} checked={priorities.includes(p)} onChange={(e) => toggle(p, e.target.checked)} /> {p}
              </label>
            ))}
          </fieldset>
          <label htmlFor={`${id}-globs`}>
            Action types <span className="muted small">(one glob per line, as routing rules match them: payments.*)</span>
            <textarea id={`${id}-globs`} name="step-up-action-types" rows={3} value={globs} onChange={(e) => setGlobs(e.target.value)} />
          </label>
          <SaveFooter submit={save} label="Save passkey confirmation" />
        </form>
      )}
    </section>
  );
}
