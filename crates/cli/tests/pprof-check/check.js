// heapscope's independent pprof reader for tests: decodes FILE.pb.gz with the
// pprof-format package (pinned in package-lock.json) and prints JSON: the
// sample types, the total of each, the sample count, string 0, and the leaf
// function holding the most of the default sample type.
//
//   node check.js FILE.pb.gz
'use strict';
const fs = require('node:fs');
const zlib = require('node:zlib');
const { Profile } = require('pprof-format');

const file = process.argv[2];
if (!file) {
  console.error('usage: node check.js FILE.pb.gz');
  process.exit(2);
}
const profile = Profile.decode(zlib.gunzipSync(fs.readFileSync(file)));
const strings = profile.stringTable.strings;
const name = (id) => strings[Number(id)];
const types = profile.sampleType.map((t) => [name(t.type), name(t.unit)]);
const totals = types.map((_, i) =>
  profile.sample.reduce((sum, s) => sum + Number(s.value[i] ?? 0), 0));
const defaultIndex = Math.max(0, types.findIndex(([type]) => type === name(profile.defaultSampleType)));

const functions = new Map(profile.function.map((f) => [Number(f.id), f]));
const locations = new Map(profile.location.map((l) => [Number(l.id), l]));
const leafName = (sample) => {
  const location = locations.get(Number(sample.locationId[0]));
  const line = location && location.line[0];
  const fn = line && functions.get(Number(line.functionId));
  return fn ? name(fn.name) : null;
};
const byLeaf = new Map();
for (const s of profile.sample) {
  const leaf = leafName(s);
  byLeaf.set(leaf, (byLeaf.get(leaf) ?? 0) + Number(s.value[defaultIndex] ?? 0));
}
const top = [...byLeaf].sort((a, b) => b[1] - a[1])[0];

console.log(JSON.stringify({
  sample_types: types,
  totals,
  samples: profile.sample.length,
  string0: strings[0],
  default_sample_type: name(profile.defaultSampleType),
  period: Number(profile.period),
  top_leaf: top ? top[0] : null,
}));
