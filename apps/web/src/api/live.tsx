import { createContext, useContext, useEffect, useRef, useState, type ReactNode } from 'react';
import type { WebhookPayload } from '@greenlight/contract';
import { EVENT_TYPES } from './contract-values.ts';

/**
 * One Server-Sent Events connection (GET /api/v1/events) for the whole dashboard. EventSource
 * reconnects by itself and sends Last-Event-ID, so the server replays what was missed.
 */
export type LiveEvent = WebhookPayload;
export type LiveState = 'connecting' | 'open' | 'closed';
type Listener = (event: LiveEvent) => void;

interface Live {
  state: LiveState;
  subscribe(listener: Listener): () => void;
}

const LiveContext = createContext<Live | null>(null);

export function LiveProvider({ children }: { children: ReactNode }) {
  const listeners = useRef(new Set<Listener>());
  const [state, setState] = useState<LiveState>('connecting');
  const [live] = useState<Omit<Live, 'state'>>(() => ({
    subscribe(listener) {
      listeners.current.add(listener);
      return () => listeners.current.delete(listener);
    },
  }));

  useEffect(() => {
    const source = new EventSource('/api/v1/events', { withCredentials: true });
    const onEvent = (message: MessageEvent<string>) => {
      let json: unknown;
      try {
        json = JSON.parse(message.data);
      } catch {
        return;
      }
      const payload = json as WebhookPayload;
      // Same-origin server, contract-checked in its own tests; only the shape the listeners rely on is checked.
      if (typeof payload?.type !== 'string' || typeof payload.data !== 'object' || payload.data === null) return;
      for (const l of listeners.current) l(payload);
    };
    for (const type of EVENT_TYPES) source.addEventListener(type, onEvent);
    source.onopen = () => setState('open');
    source.onerror = () => setState(source.readyState === EventSource.CLOSED ? 'closed' : 'connecting');
    return () => source.close();
  }, []);

  return <LiveContext.Provider value={{ ...live, state }}>{children}</LiveContext.Provider>;
}

export function useLiveState(): LiveState {
  return useLive().state;
}

function useLive(): Live {
  const l = useContext(LiveContext);
  if (!l) throw new Error('useLive outside LiveProvider');
  return l;
}

/** Calls `onEvent` for every live event while the component is mounted (the latest callback wins). */
export function useLiveEvents(onEvent: Listener): void {
  const { subscribe } = useLive();
  const latest = useRef(onEvent);
  latest.current = onEvent;
  useEffect(() => subscribe((e) => latest.current(e)), [subscribe]);
}
