/** Who a step asks, as the forms that set it choose them. */

/** Checkboxes choosing some of `options` (people or teams); `empty` is said when there is nobody to choose. */
export function PickList(props: { options: { id: string; name: string }[]; picked: string[]; onChange(picked: string[]): void; empty?: string }) {
  return (
    <div className="pick-list">
      {props.options.map((o) => (
        <label key={o.id} className="check">
          <input
            type="checkbox"
            checked={props.picked.includes(o.id)}
            onChange={(e) => props.onChange(e.target.checked ? [...props.picked, o.id] : props.picked.filter((x) => x !== o.id))}
          />
          {o.name}
        </label>
      ))}
      {props.empty !== undefined && props.options.length === 0 && <span className="small muted">{props.empty}</span>}
    </div>
  );
}

/** How many of the people and teams a step asks must approve: one to five, or all of them. */
export function QuorumSelect(props: { value: string; onChange(value: string): void }) {
  return (
    <select value={props.value} onChange={(e) => props.onChange(e.target.value)}>
      {['1', '2', '3', '4', '5'].map((n) => (
        <option key={n} value={n}>
          {n}
        </option>
      ))}
      <option value="all">all of them</option>
    </select>
  );
}
