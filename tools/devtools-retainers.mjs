// DevTools' Retainers view for chosen objects, computed by Chrome DevTools' own
// heap snapshot code (the bundle that tools/devtools-oracle builds). Glue only:
// load the snapshot as the DevTools worker does, then ask
// createRetainingEdgesProvider(node) sorted with the Retainers grid's default
// comparator ('!edgeDistance' ascending, then retainer name ascending).
//
//   node tools/devtools-retainers.mjs BUNDLE SNAPSHOT[.gz] ID [ID...]   > out.json
//   BUNDLE="$(tools/devtools-oracle/devtools-oracle.sh --bundle-path)"  (installs and builds it)
//
// Prints {"<id>": [{"edge_type", "edge_name", "retainer_id", "retainer_name", "distance"}...]}.

import * as fs from 'node:fs';
import * as zlib from 'node:zlib';
import {MessageChannel} from 'node:worker_threads';
import {pathToFileURL} from 'node:url';

if (!Promise.withResolvers) {
  Promise.withResolvers = function() {
    let resolve, reject;
    const promise = new Promise((res, rej) => { resolve = res; reject = rej; });
    return {promise, resolve, reject};
  };
}

const [bundle, file, ...ids] = process.argv.slice(2);
const {HeapSnapshotWorker, HeapSnapshotModel} = await import(pathToFileURL(bundle).href);

const dispatcher = {sendEvent() {}};
const loader = new HeapSnapshotWorker.HeapSnapshotLoader.HeapSnapshotLoader(dispatcher);
let data = fs.readFileSync(file);
if (data[0] === 0x1f && data[1] === 0x8b) {
  data = zlib.gunzipSync(data);
}
const text = new TextDecoder('utf-8').decode(data);
const CHUNK = 10000000;
for (let i = 0; i < text.length; i += CHUNK) {
  loader.write(text.slice(i, i + CHUNK));
  await new Promise(resolve => setImmediate(resolve));
}
loader.close();
const channel = new MessageChannel();
new HeapSnapshotWorker.HeapSnapshot.SecondaryInitManager(channel.port2);
const realWarn = console.warn;
console.warn = () => {};
const snapshot = await loader.buildSnapshot(channel.port1);
console.warn = realWarn;
channel.port1.close();

const out = {};
const nodeFieldCount = snapshot.nodeFieldCount;
for (const idText of ids) {
  const id = Number(idText);
  let nodeIndex = -1;
  for (let ordinal = 0; ordinal < snapshot.nodeCount; ++ordinal) {
    if (snapshot.nodes.getValue(ordinal * nodeFieldCount + snapshot.nodeIdOffset) === id) {
      nodeIndex = ordinal * nodeFieldCount;
      break;
    }
  }
  if (nodeIndex < 0) {
    out[idText] = null;
    continue;
  }
  const provider = snapshot.createRetainingEdgesProvider(nodeIndex);
  provider.sortAndRewind(new HeapSnapshotModel.ComparatorConfig('!edgeDistance', true, 'name', true));
  const range = provider.serializeItemsRange(0, 1 << 30);
  out[idText] = range.items.map(item => ({
    edge_type: item.type,
    edge_name: String(item.name),
    retainer_id: item.node.id,
    retainer_name: item.node.name,
    distance: item.node.distance,
  }));
}
process.stdout.write(JSON.stringify(out) + '\n', () => process.exit(0));
