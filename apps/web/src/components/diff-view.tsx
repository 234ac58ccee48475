type Obj = Record<string, unknown> | null;

const show = (v: unknown): string => (v === undefined ? '—' : typeof v === 'string' ? v : JSON.stringify(v, null, 1));
const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/**
 * `changes` as a field-by-field table: what is removed on the left, what replaces it on the right;
 * unchanged fields are greyed. Values are text (JSON for nested ones), never HTML.
 */
export function DiffView({ before, after }: { before: Obj; after: Obj }) {
  const keys = [...new Set([...Object.keys(before ?? {}), ...Object.keys(after ?? {})])].sort();
  if (keys.length === 0) return <p className="muted">{before === null && after === null ? 'No changes given.' : 'Nothing changes.'}</p>;
  return (
    <div className="table-wrap">
      <table className="diff">
        <caption className="visually-hidden">Changes: each field before and after</caption>
        <thead>
          <tr>
            <th scope="col">Field</th>
            <th scope="col">Before</th>
            <th scope="col">After</th>
          </tr>
        </thead>
        <tbody>
          {keys.map((k) => {
            const b = before?.[k];
            const a = after?.[k];
            const unchanged = same(b, a);
            return (
              <tr key={k} className={unchanged ? 'same' : 'changed'}>
                <th scope="row" className="mono">
                  {k}
                </th>
                <td className="before">{unchanged ? show(b) : <del aria-label={`was ${show(b)}`}>{show(b)}</del>}</td>
                <td className="after">{unchanged ? show(a) : <ins aria-label={`becomes ${show(a)}`}>{show(a)}</ins>}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
