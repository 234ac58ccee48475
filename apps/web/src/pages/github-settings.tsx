import { useId, useState } from 'react';
import { api, type ApiOutput } from '../api/client.ts';
import { ConfirmButton, CopyButton, ErrorMessage, SaveFooter } from '../components/bits.tsx';
import { useResource } from '../lib/use-resource.ts';
import { useSubmit } from '../lib/use-submit.ts';

type Github = ApiOutput<'getGithubSettings'>;

/**
 * The org's GitHub App, for deployment protection rules: the webhook URL to give it, and its id, private
 * key and webhook secret (write-only: stored encrypted, never shown again; saving replaces all three).
 */
export function GithubSettings() {
  const id = useId();
  const settings = useResource('github-settings', (signal) => api('getGithubSettings', {}, { signal }));
  const current: Github | undefined = settings.data;
  const [appId, setAppId] = useState('');
  const [privateKey, setPrivateKey] = useState('');
  const [secret, setSecret] = useState('');
  const done = (next: Github) => {
    settings.set(() => next);
    setAppId('');
    setPrivateKey('');
    setSecret('');
  };
  const submit = useSubmit(async () => {
    done(await api('updateGithubSettings', { body: { app_id: Number(appId.trim()), private_key: privateKey, webhook_secret: secret } }));
  });
  return (
    <section className="card" aria-labelledby="h-github" data-testid="github-settings">
      <h2 id="h-github">GitHub deployments</h2>
      <ErrorMessage error={settings.error} />
      {current && (
        <>
          <p>
            The GitHub App is <strong data-testid="github-configured">{current.configured ? 'connected' : 'not connected'}</strong>
            {current.configured && (
              <>
                {' '}
                (app <code data-testid="github-app">{current.app_slug ?? current.app_id}</code>)
              </>
            )}
            . Deployments to an environment protected by the app wait for a request here, decided like any other; the decision is sent to GitHub
            with who decided and their comment. No runner waits meanwhile.
          </p>
          <p className="muted">
            Create a GitHub App (Settings → Developer settings → GitHub Apps) with the permissions <strong>Deployments: read and write</strong> and{' '}
            <strong>Actions: read</strong>, subscribed to the events <strong>Deployment protection rule</strong> and <strong>Workflow run</strong>, and
            set its Webhook URL to <code data-testid="github-webhook-url">{current.webhook_url}</code> <CopyButton text={current.webhook_url ?? ''} label="Copy" />{' '}
            with a webhook secret of your choosing. Generate a private key, then paste the App ID, the key and the secret below. Install the app on the
            repository and add it to each environment as a custom deployment protection rule.
            {current.install_url && (
              <>
                {' '}
                <a href={current.install_url} target="_blank" rel="noreferrer" data-testid="github-install">
                  Install the app
                </a>
              </>
            )}
          </p>
          <form className="stack" onSubmit={submit.onSubmit} aria-label="GitHub App settings">
            <label htmlFor={`${id}-app`}>
              App ID
              <input id={`${id}-app`} inputMode="numeric" pattern="[0-9]+" required placeholder={current.app_id ? String(current.app_id) : '123456'} value={appId} onChange={(e) => setAppId(e.target.value)} />
            </label>
            <label htmlFor={`${id}-key`}>
              Private key (.pem) {current.private_key.configured && <span className="muted">(set; saving replaces it)</span>}
              <textarea
                id={`${id}-key`}
                rows={4}
                required
                autoComplete="off"
                spellCheck={false}
                placeholder="-----BEGIN RSA PRIVATE KEY-----"
                value={privateKey}
                onChange={(e) => setPrivateKey(e.target.value)}
              />
            </label>
            <label htmlFor={`${id}-pem`}>
              …or choose the .pem file
              <input
                id={`${id}-pem`}
                type="file"
                accept=".pem,application/x-pem-file"
                onChange={async (e) => {
                  const file = e.target.files?.[0];
                  if (file) setPrivateKey(await file.text());
                }}
              />
            </label>
            <label htmlFor={`${id}-secret`}>
              Webhook secret {current.webhook_secret.configured && <span className="muted">(set; saving replaces it)</span>}
              <input id={`${id}-secret`} type="password" autoComplete="off" required minLength={16} value={secret} onChange={(e) => setSecret(e.target.value)} />
            </label>
            <SaveFooter submit={submit} label={current.configured ? 'Replace the GitHub App' : 'Connect the GitHub App'} />
          </form>
          {current.configured && (
            <ConfirmButton
              className="danger"
              title="Disconnect the GitHub App?"
              body={<p>Events GitHub posts are refused, and decisions not yet sent to GitHub are not sent: deployments waiting on Greenlight keep waiting.</p>}
              confirmLabel="Disconnect"
              danger
              onConfirm={async () => done(await api('deleteGithubSettings', {}))}
            >
              Disconnect GitHub
            </ConfirmButton>
          )}
        </>
      )}
    </section>
  );
}
