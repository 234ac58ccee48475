import { useState } from 'react';
import { api } from '../api/client.ts';
import { ConfirmButton, ErrorMessage, SubmitButton } from '../components/bits.tsx';
import { formatDate, fromNow } from '../lib/format.ts';
import { useResource } from '../lib/use-resource.ts';
import { useSubmit } from '../lib/use-submit.ts';
import { deviceName, pushUnsupported, subscribeThisDevice } from '../lib/web-push.ts';

/**
 * The signed-in person's devices that get push notifications (Web Push): turn them on for this
 * browser, see each device, remove one. A request you are asked to decide then comes to each device,
 * with Approve and Reject on the notification where the platform shows them.
 */
export function WebPushDevices() {
  const mine = useResource('my-webpush', (signal) => api('getMyWebPush', {}, { signal }));
  const [unsupported] = useState(pushUnsupported);
  const subscribe = useSubmit(async () => {
    const key = mine.data?.public_key;
    if (!key) return;
    const sub = await subscribeThisDevice(key);
    await api('createMyWebPushSubscription', { body: { endpoint: sub.endpoint, keys: sub.keys, device: deviceName() } });
    mine.reload();
  });
  return (
    <section className="card stack" aria-labelledby="h-devices" data-testid="webpush-devices">
      <h2 id="h-devices">Push notifications on your devices</h2>
      <p className="small muted">
        Requests you are asked to decide come to each device below, with Approve and Reject on the notification (Android, Windows, macOS and Linux browsers);
        on iPhone and iPad a tap opens the request. Install Greenlight first for the best result (your browser&apos;s “Install app” or “Add to Home Screen”).
      </p>
      <ErrorMessage error={mine.error} />
      {unsupported ? (
        <p className="alert" data-testid="webpush-unsupported">
          {unsupported}
        </p>
      ) : (
        <form onSubmit={subscribe.onSubmit}>
          <ErrorMessage error={subscribe.error} />
          <SubmitButton busy={subscribe.busy} label="Get notifications on this device" busyLabel="Turning on…" />
        </form>
      )}
      {mine.data &&
        (mine.data.subscriptions.length === 0 ? (
          <p data-testid="webpush-none">No device gets push notifications yet.</p>
        ) : (
          <ul className="stack" data-testid="webpush-list">
            {mine.data.subscriptions.map((d) => (
              <li key={d.id} className="row" data-testid="webpush-device">
                <span>
                  <strong>{d.device}</strong> <span className="small muted">through {d.push_service}, since {formatDate(d.created_at)}</span>
                  {d.last_sent_at ? <span className="small muted"> · last notified {fromNow(d.last_sent_at)}</span> : null}
                </span>
                <ConfirmButton
                  title="Stop notifications to this device?"
                  body={<p>Nothing more is pushed to it, and the Approve and Reject of notifications already on it decide nothing.</p>}
                  confirmLabel="Remove"
                  onConfirm={async () => {
                    await api('deleteMyWebPushSubscription', { params: { id: d.id } });
                    mine.reload();
                  }}
                >
                  Remove
                </ConfirmButton>
              </li>
            ))}
          </ul>
        ))}
    </section>
  );
}
