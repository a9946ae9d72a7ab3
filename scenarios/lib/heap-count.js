'use strict'
// Counts in a V8 .heapsnapshot, for truth.json: plain facts of the file (nodes by raw type and
// name, their self sizes), not DevTools' views (the DevTools oracle gives those).
//
//   node heap-count.js s1.heapsnapshot s2.heapsnapshot s3.heapsnapshot   the groups that grow most
const fs = require('fs')

const STRING_TYPES = new Set(['string', 'concatenated string', 'sliced string'])

function readSnapshot(file) {
  const raw = JSON.parse(fs.readFileSync(file, 'utf8'))
  const fields = raw.snapshot.meta.node_fields
  const types = raw.snapshot.meta.node_types[0]
  const width = fields.length
  const [type, name, size] = ['type', 'name', 'self_size'].map((f) => fields.indexOf(f))
  const nodes = []
  for (let i = 0; i < raw.nodes.length; i += width) {
    nodes.push({ type: types[raw.nodes[i + type]], name: raw.strings[raw.nodes[i + name]], size: raw.nodes[i + size] })
  }
  return { bytes: fs.statSync(file).size, nodes, edges: raw.edges.length / raw.snapshot.meta.edge_fields.length }
}

// A selector: { type, name, metric }. type 'string' means any string type, no type means
// every node; metric is 'count' (default) or 'max_self_size'.
function measure(snap, sel) {
  let count = 0
  let max = 0
  for (const n of snap.nodes) {
    if (sel.type === 'string' ? !STRING_TYPES.has(n.type) : sel.type && n.type !== sel.type) continue
    if (sel.name !== undefined && n.name !== sel.name) continue
    count++
    max = Math.max(max, n.size)
  }
  return sel.metric === 'max_self_size' ? max : count
}

// { grows_by: N }: s1 < s2 < s3 and s3 - s1 >= N. { flat: N } or { flat_pct: P }: neither s2 nor
// s3 is above s1 by more than N (or P % of s1); a drop is fine (V8 flushes unused code).
function holds([a, b, c], sel) {
  if (sel.grows_by !== undefined) return a < b && b < c && c - a >= sel.grows_by
  const slack = sel.flat !== undefined ? sel.flat : (a * sel.flat_pct) / 100
  return b - a <= slack && c - a <= slack
}

// Node count by "type name" (strings by type only) in each snapshot; the `limit` groups whose
// count grows most from the first to the last.
function growth(snaps, limit) {
  const keyOf = (n) => (STRING_TYPES.has(n.type) || n.type === 'number' ? '(' + n.type + ')' : n.type + ' ' + n.name)
  const rows = new Map()
  snaps.forEach((snap, k) => {
    for (const n of snap.nodes) {
      const key = keyOf(n)
      if (!rows.has(key)) rows.set(key, snaps.map(() => 0))
      rows.get(key)[k]++
    }
  })
  return [...rows]
    .map(([group, counts]) => ({ group, counts }))
    .sort((x, y) => y.counts[y.counts.length - 1] - y.counts[0] - (x.counts[x.counts.length - 1] - x.counts[0]))
    .slice(0, limit)
}

function totals(snap) {
  return { bytes: snap.bytes, nodes: snap.nodes.length, edges: snap.edges, self_size: snap.nodes.reduce((s, n) => s + n.size, 0) }
}

module.exports = { readSnapshot, measure, holds, growth, totals }

if (require.main === module) {
  for (const row of growth(process.argv.slice(2).map(readSnapshot), 25)) {
    console.log(row.counts.map((c) => String(c).padStart(9)).join('') + '  ' + row.group)
  }
}
