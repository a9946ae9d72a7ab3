const MARKS = { tip: 'Tip', warning: 'Careful', note: 'Note' }

export function Callout({ kind = 'note', children }) {
  return (
    <aside className={'callout callout-' + kind} role="note">
      <strong>{MARKS[kind] || MARKS.note}</strong>
      <div>{children}</div>
    </aside>
  )
}
