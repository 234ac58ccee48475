/** Metadata as indented JSON: text only, never HTML. */
export function JsonView({ value, label }: { value: unknown; label: string }) {
  const empty = value === null || (typeof value === 'object' && Object.keys(value as object).length === 0);
  if (empty) return <p className="muted">None.</p>;
  return (
    <pre className="json" aria-label={label} tabIndex={0}>
      {JSON.stringify(value, null, 2)}
    </pre>
  );
}
