// The Memory panel's views, computed with the calls the panel makes on its
// worker. Every number is DevTools'; this file only names and orders them.

import {devtools} from './load.mjs';

const {HeapSnapshotModel} = devtools;

const byKey = (x, y) => (x.class_key < y.class_key ? -1 : x.class_key > y.class_key ? 1 : 0);

// Statistics: getStatistics() and the pie slices of HeapSnapshotView.retrieveStatistics().
export function statistics(snapshot) {
  const raw = snapshot.getStatistics();
  const {v8heap, native} = raw;
  return {
    total: raw.total,
    code: v8heap.code,
    strings: v8heap.strings,
    js_arrays: v8heap.jsArrays,
    typed_arrays: native.typedArrays,
    system_objects: v8heap.system,
    other_js_objects: v8heap.total - v8heap.code - v8heap.strings - v8heap.jsArrays - v8heap.system,
    other_non_js_objects: native.total - native.typedArrays,
    extra_native_bytes: snapshot.profile.snapshot.extra_native_bytes ?? 0,
    raw,
  };
}

// Summary: what HeapSnapshotConstructorsDataGrid asks for, aggregatesWithFilter()
// with an empty NodeFilter. max_distance (not shown by the panel) is the largest
// of DevTools' nodeDistances over the class's instances.
export function summary(snapshot) {
  const aggregates = snapshot.aggregatesWithFilter(new HeapSnapshotModel.NodeFilter());
  const {nodeDistances, nodeFieldCount} = snapshot;
  const classes = Object.entries(aggregates).map(([class_key, a]) => ({
    class_key,
    name: a.name,
    count: a.count,
    self_size: a.self,
    retained_size: a.maxRet,
    distance: a.distance,
    max_distance: a.idxs.reduce((m, index) => Math.max(m, nodeDistances[index / nodeFieldCount]), -Infinity),
  }));
  classes.sort((x, y) => y.retained_size - x.retained_size || y.self_size - x.self_size || byKey(x, y));
  return {
    total_count: classes.reduce((s, c) => s + c.count, 0),
    total_self_size: classes.reduce((s, c) => s + c.self_size, 0),
    class_count: classes.length,
    classes,
  };
}

function describe(snapshot, ordinal) {
  const node = snapshot.createNode(ordinal * snapshot.nodeFieldCount);
  const dominator = snapshot.createNode(snapshot.dominatorsTree[ordinal] * snapshot.nodeFieldCount);
  return {
    id: node.id(),
    name: node.name(),
    class_name: node.className(),
    type: node.type(),
    self_size: node.selfSize(),
    retained_size: node.retainedSize(),
    distance: node.distance(),
    dominator_id: dominator.id(),
    node_index: node.nodeIndex,
  };
}

// The n nodes of largest retained size (ties: smaller id first), kept in a
// binary heap whose root is the weakest of those kept so far.
export function topRetained(snapshot, n) {
  const {nodeCount, retainedSizes, nodes, nodeFieldCount, nodeIdOffset} = snapshot;
  const id = ordinal => nodes.getValue(ordinal * nodeFieldCount + nodeIdOffset);
  const weaker = (a, b) => retainedSizes[a] < retainedSizes[b] || (retainedSizes[a] === retainedSizes[b] && id(a) > id(b));
  const heap = [];
  const sift = i => {
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < heap.length && weaker(heap[l], heap[m])) {
        m = l;
      }
      if (r < heap.length && weaker(heap[r], heap[m])) {
        m = r;
      }
      if (m === i) {
        return;
      }
      [heap[i], heap[m]] = [heap[m], heap[i]];
      i = m;
    }
  };
  for (let ordinal = 0; ordinal < nodeCount && n > 0; ++ordinal) {
    if (heap.length < n) {
      heap.push(ordinal);
      for (let i = heap.length - 1; i > 0;) {
        const parent = (i - 1) >> 1;
        if (!weaker(heap[i], heap[parent])) {
          break;
        }
        [heap[i], heap[parent]] = [heap[parent], heap[i]];
        i = parent;
      }
    } else if (weaker(heap[0], ordinal)) {
      heap[0] = ordinal;
      sift(0);
    }
  }
  return heap.sort((a, b) => (weaker(a, b) ? 1 : weaker(b, a) ? -1 : 0)).map(o => describe(snapshot, o));
}

// Duplicate strings: getDuplicateStrings(), in DevTools' order; n groups shown.
export function duplicateStrings(snapshot, n) {
  const groups = snapshot.getDuplicateStrings();
  return {
    group_count: groups.length,
    top: groups.slice(0, n).map(g => {
      const row = {
        value: g.value,
        count: g.count,
        self_size: g.totalSelfSize,
        retained_size: g.totalRetainedSize,
        truncated: Boolean(g.truncated),
      };
      if (g.truncated) {
        row.length = g.length ?? null;
        row.hash = g.hash ?? null;
      }
      row.node_ids = g.nodes.slice(0, 10).map(x => x.id);
      return row;
    }),
  };
}

export function nativeContexts(snapshot) {
  const sizes = snapshot.getNativeContextSizes();
  return {
    shared_size: sizes.sharedSize,
    no_attribution_size: sizes.noAttributionSize,
    contexts: sizes.nativeContexts.map(c => ({
      id: c.nodeId,
      name: c.nodeName,
      attributed_size: c.attributedSize,
      self_size: c.selfSize,
      retained_size: c.retainedSize,
    })),
  };
}

const DIFF_FIELDS = [
  ['added_count', 'addedCount'], ['removed_count', 'removedCount'], ['count_delta', 'countDelta'],
  ['added_size', 'addedSize'], ['removed_size', 'removedSize'], ['size_delta', 'sizeDelta'],
];

// Comparison: HeapSnapshotDiffDataGrid's calls, in its order.
export function comparison(base, target) {
  const definitions = target.snapshot.interfaceDefinitions();
  const forDiff = base.snapshot.aggregatesForDiff(definitions);
  const diff = target.snapshot.calculateSnapshotDiff(1, forDiff);
  const totals = Object.fromEntries(DIFF_FIELDS.map(([k]) => [k, 0]));
  const classes = Object.entries(diff).map(([class_key, d]) => {
    const row = {class_key, name: d.name};
    for (const [ours, theirs] of DIFF_FIELDS) {
      row[ours] = d[theirs];
      totals[ours] += d[theirs];
    }
    return row;
  });
  classes.sort((x, y) => y.added_size - x.added_size || y.removed_size - x.removed_size || byKey(x, y));
  return {base: base.label, target: target.label, class_count: classes.length, totals, classes};
}
