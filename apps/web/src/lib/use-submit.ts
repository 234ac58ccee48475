import { useState, type FormEvent } from 'react';

export interface Submit {
  /** The action is running: the form's submit button is disabled meanwhile, so one click sends once. */
  busy: boolean;
  /** Why the last run failed, for ErrorMessage; cleared when the next one starts. */
  error: unknown;
  /** The last run succeeded (until the next one starts): what a form shows as "Saved.". */
  saved: boolean;
  /** The form's onSubmit: runs the action in place of the browser's own submit. */
  onSubmit(e: FormEvent): Promise<void>;
  setError(error: unknown): void;
}

/** A form whose submit runs `action`, with what it is doing: running, refused (the error) or done. */
export function useSubmit(action: () => Promise<void>): Submit {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const [saved, setSaved] = useState(false);
  const onSubmit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    setSaved(false);
    try {
      await action();
      setSaved(true);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, saved, onSubmit, setError };
}
