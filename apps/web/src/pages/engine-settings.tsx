import { useState } from 'react';
import { api, type ApiInput, type ApiOutput } from '../api/client.ts';
import { ConfirmButton, ErrorMessage, SaveFooter } from '../components/bits.tsx';
import { useResource } from '../lib/use-resource.ts';
import { useSubmit } from '../lib/use-submit.ts';

type Engines = ApiOutput<'getEngineSettings'>;
type Update = ApiInput<'updateEngineSettings'>['body'];

/**
 * The org's durable-engine credentials (admins): what a request may name as its `resume` target. Each
 * engine is set or removed on its own; the secrets are write-only (docs/durable-engines.md).
 */
export function EngineSettings() {
  const settings = useResource('engine-settings', (signal) => api('getEngineSettings', {}, { signal }));
  const [triggerKey, setTriggerKey] = useState('');
  const [region, setRegion] = useState('');
  const [accessKeyId, setAccessKeyId] = useState('');
  const [secretAccessKey, setSecretAccessKey] = useState('');
  const [eventKey, setEventKey] = useState('');
  const current: Engines | undefined = settings.data;
  const save = async (body: Update) => {
    const next = await api('updateEngineSettings', { body });
    settings.set(() => next);
    setTriggerKey('');
    setSecretAccessKey('');
    setEventKey('');
  };
  const trigger = useSubmit(() => save({ trigger_dev: { secret_key: triggerKey.trim() } }));
  const sfn = useSubmit(() =>
    save({ step_functions: { region: (region || current?.step_functions.region || '').trim(), access_key_id: (accessKeyId || current?.step_functions.access_key_id || '').trim(), secret_access_key: secretAccessKey.trim() } }),
  );
  const inngest = useSubmit(() => save({ inngest: { event_key: eventKey.trim() } }));
  const remove = (engine: keyof Update, name: string) => (
    <ConfirmButton
      className="danger"
      title={`Remove ${name}?`}
      body={<p>Requests can no longer name it, and resumes not yet sent to it fail.</p>}
      confirmLabel="Remove"
      danger
      onConfirm={() => save({ [engine]: null })}
    >
      Remove {name}
    </ConfirmButton>
  );
  const state = (on: boolean, testId: string) => <strong data-testid={testId}>{on ? 'set' : 'not set'}</strong>;
  return (
    <section className="card" aria-labelledby="h-engines" data-testid="engine-settings">
      <h2 id="h-engines">Durable engines</h2>
      <ErrorMessage error={settings.error} />
      {current && (
        <>
          <p className="muted">
            A request&apos;s <code>resume</code> may name a Trigger.dev waitpoint token, a Step Functions task token or an Inngest event; Greenlight resumes it
            once when the request ends, with these credentials. Secrets are stored encrypted and never shown again.
          </p>
          <form className="stack" onSubmit={trigger.onSubmit}>
            <h3>Trigger.dev: {state(current.trigger_dev.configured, 'engine-trigger-dev')}</h3>
            <label>
              Secret API key
              <input type="password" autoComplete="off" placeholder={current.trigger_dev.configured ? 'set: enter a new one to replace it' : 'tr_prod_…'} value={triggerKey} onChange={(e) => setTriggerKey(e.target.value)} />
            </label>
            <SaveFooter submit={trigger} label="Save the Trigger.dev key" />
          </form>
          {current.trigger_dev.configured && remove('trigger_dev', 'Trigger.dev')}
          <form className="stack" onSubmit={sfn.onSubmit}>
            <h3>AWS Step Functions: {state(current.step_functions.configured, 'engine-step-functions')}</h3>
            <label>
              Region
              <input autoComplete="off" placeholder={current.step_functions.region ?? 'eu-west-1'} value={region} onChange={(e) => setRegion(e.target.value)} />
            </label>
            <label>
              Access key id
              <input autoComplete="off" placeholder={current.step_functions.access_key_id ?? 'AKIA…'} value={accessKeyId} onChange={(e) => setAccessKeyId(e.target.value)} />
            </label>
            <label>
              Secret access key
              <input type="password" autoComplete="off" placeholder={current.step_functions.configured ? 'set: enter it again to change the key' : ''} value={secretAccessKey} onChange={(e) => setSecretAccessKey(e.target.value)} />
            </label>
            <SaveFooter submit={sfn} label="Save the AWS credentials" />
          </form>
          {current.step_functions.configured && remove('step_functions', 'AWS Step Functions')}
          <form className="stack" onSubmit={inngest.onSubmit}>
            <h3>Inngest: {state(current.inngest.configured, 'engine-inngest')}</h3>
            <label>
              Event key
              <input type="password" autoComplete="off" placeholder={current.inngest.configured ? 'set: enter a new one to replace it' : ''} value={eventKey} onChange={(e) => setEventKey(e.target.value)} />
            </label>
            <SaveFooter submit={inngest} label="Save the Inngest key" />
          </form>
          {current.inngest.configured && remove('inngest', 'Inngest')}
        </>
      )}
    </section>
  );
}
