/**
 * Paths into a request's content, as `redact` and `editable` write them: its own module, with no
 * imports, because the schemas (answers.ts, approvals.ts) and the zod-free form code (answer-controls.ts)
 * all read them.
 */

/** The value a content path (`metadata.a.0`, `changes.after.b`) names, or undefined: a dot between keys, a number indexes an array. */
export function valueAtContentPath(content: { metadata?: unknown; changes?: unknown }, path: string): unknown {
  const [root, ...rest] = path.split('.');
  let cur: unknown = root === 'metadata' ? content.metadata : content.changes;
  for (const key of rest) {
    if (Array.isArray(cur) && /^(0|[1-9][0-9]*)$/.test(key)) cur = cur[Number(key)];
    else if (cur !== null && typeof cur === 'object' && !Array.isArray(cur) && Object.hasOwn(cur, key)) cur = (cur as Record<string, unknown>)[key];
    else return undefined;
  }
  return cur;
}
