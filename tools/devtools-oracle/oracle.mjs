// heapscope's DevTools reference harness: runs Chrome DevTools' own heap
// snapshot worker code on a snapshot and prints the Memory panel's numbers as
// JSON on stdout; phase timings and DevTools' warnings go to stderr.
//
//   node oracle.mjs FILE [--diff LATER | --base EARLIER] [--top N] [--dup-strings N]
//                   [--nodes-tsv OUT] [--single-thread] [--quiet]
//
// Run it through devtools-oracle.sh, which installs and bundles DevTools first.
// Exit codes: 1 for a missing or unreadable input, 2 for a usage error.

import {closeSync, openSync, writeSync} from 'node:fs';
import {basename} from 'node:path';

import {devtools, LoadError, loadSnapshot} from './lib/load.mjs';
import * as views from './lib/views.mjs';

const USAGE = 'usage: devtools-oracle.sh FILE[.gz] [--diff LATER | --base EARLIER] [--top N] [--dup-strings N]\n' +
    '                          [--nodes-tsv OUT] [--single-thread] [--quiet]\n' +
    '       devtools-oracle.sh --bundle-path\n';

function usageError(why) {
  if (why) {
    process.stderr.write(`devtools-oracle: ${why}\n`);
  }
  process.stderr.write(USAGE);
  process.exit(2);
}

function parseOptions(args) {
  const o = {file: null, diff: null, base: null, top: 50, dupStrings: 50, nodesTsv: null, singleThread: false, quiet: false};
  const valued = {'--diff': 'diff', '--base': 'base', '--top': 'top', '--dup-strings': 'dupStrings', '--nodes-tsv': 'nodesTsv'};
  for (let i = 0; i < args.length; ++i) {
    const a = args[i];
    if (a in valued) {
      if (i + 1 === args.length) {
        usageError(`${a} needs a value`);
      }
      o[valued[a]] = args[++i];
    } else if (a === '--single-thread') {
      o.singleThread = true;
    } else if (a === '--quiet') {
      o.quiet = true;
    } else if (a === '-h' || a === '--help') {
      usageError();
    } else if (a.startsWith('-')) {
      usageError(`unknown option ${a}`);
    } else if (o.file !== null) {
      usageError(`unexpected argument ${a}`);
    } else {
      o.file = a;
    }
  }
  if (o.file === null) {
    usageError('missing snapshot file');
  }
  if (o.diff !== null && o.base !== null) {
    usageError('use either --diff or --base, not both');
  }
  for (const [key, flag] of [['top', '--top'], ['dupStrings', '--dup-strings']]) {
    o[key] = Number(o[key]);
    if (!Number.isInteger(o[key]) || o[key] < 0) {
      usageError(`${flag} needs a non-negative integer`);
    }
  }
  return o;
}

// Wall time per phase: DevTools' own status messages, then ours.
class Phases {
  constructor(label, quiet) {
    Object.assign(this, {label, quiet, done: [], title: null, start: 0});
  }
  enter(title) {
    if (title !== this.title) {
      this.leave();
      this.title = title;
      this.start = performance.now();
    }
  }
  leave() {
    if (this.title !== null) {
      this.done.push([this.title, performance.now() - this.start]);
      this.title = null;
    }
  }
  print() {
    this.leave();
    if (this.quiet) {
      return;
    }
    const line = (ms, what) => `  ${ms.toFixed(0).padStart(8)} ms  ${what}`;
    const total = this.done.reduce((s, [, ms]) => s + ms, 0);
    process.stderr.write([`devtools-oracle: phase timings for ${this.label}:`,
      ...this.done.map(([what, ms]) => line(ms, what)), line(total, 'total')].join('\n') + '\n');
  }
}

async function load(file, o) {
  const phases = new Phases(basename(file), o.quiet);
  const loaded = await loadSnapshot(file, {singleThread: o.singleThread, onStatus: s => phases.enter(s)});
  phases.leave();
  return {...loaded, phases};
}

// Everything the panel shows for one snapshot, after it is loaded.
function report(loaded, o) {
  const {snapshot, phases} = loaded;
  const header = snapshot.profile.snapshot;
  const staticData = snapshot.updateStaticData();
  const step = (title, f) => {
    phases.enter(title);
    const value = f();
    phases.leave();
    return value;
  };
  const statistics = step('Oracle: statistics view', () => views.statistics(snapshot));
  const summary = step('Oracle: summary view (aggregatesWithFilter)', () => views.summary(snapshot));
  const top = step('Oracle: top retained nodes', () => views.topRetained(snapshot, o.top));
  const dups = step('Oracle: duplicate strings', () => (o.dupStrings ? views.duplicateStrings(snapshot, o.dupStrings) : undefined));
  const contexts = step('Oracle: native contexts', () => views.nativeContexts(snapshot));
  return {
    file: loaded.label,
    file_bytes: loaded.fileBytes,
    uncompressed_bytes: loaded.uncompressedBytes,
    gzip: loaded.gzip,
    node_count: snapshot.nodeCount,
    edge_count: snapshot.containmentEdges.length / snapshot.edgeFieldsCount,
    header_node_count: header.node_count,
    header_edge_count: header.edge_count,
    root_node_index: staticData.rootNodeIndex,
    max_js_object_id: staticData.maxJSObjectId,
    total_size: staticData.totalSize,
    extra_native_bytes: header.extra_native_bytes ?? 0,
    statistics,
    summary,
    interface_definitions: JSON.parse(snapshot.interfaceDefinitions()),
    top_retained: top,
    duplicate_strings: dups,
    native_contexts: contexts,
  };
}

// One line per node in file order: id, DevTools' self size, retained size,
// distance and the dominator's id.
function writeNodesTsv(snapshot, out) {
  const {nodeCount, nodes, nodeFieldCount, nodeIdOffset, nodeSelfSizeOffset, retainedSizes, nodeDistances, dominatorsTree} = snapshot;
  const id = ordinal => nodes.getValue(ordinal * nodeFieldCount + nodeIdOffset);
  const fd = openSync(out, 'w');
  try {
    let text = 'id\tself_size\tretained_size\tdistance\tdominator_id\n';
    for (let v = 0; v < nodeCount; ++v) {
      text += `${id(v)}\t${nodes.getValue(v * nodeFieldCount + nodeSelfSizeOffset)}\t${retainedSizes[v]}\t` +
          `${nodeDistances[v]}\t${id(dominatorsTree[v])}\n`;
      if (text.length >= 1 << 20) {
        writeSync(fd, text);
        text = '';
      }
    }
    writeSync(fd, text);
  } finally {
    closeSync(fd);
  }
}

async function main() {
  const o = parseOptions(process.argv.slice(2));
  const warn = console.warn.bind(console);
  console.warn = (...args) => o.quiet || warn('devtools-oracle: DevTools warning:', ...args);
  const started = performance.now();

  const first = await load(o.file, o);
  const out = {
    oracle: 'chrome-devtools-frontend heap_snapshot_worker',
    devtools_frontend_version: devtools.DEVTOOLS_FRONTEND_VERSION,
    node_version: process.version,
    ...report(first, o),
  };
  if (o.nodesTsv !== null) {
    first.phases.enter('Oracle: nodes TSV');
    writeNodesTsv(first.snapshot, o.nodesTsv);
  }
  first.phases.print();

  const otherFile = o.diff ?? o.base;
  if (otherFile !== null) {
    const other = await load(otherFile, o);
    // The panel shows a loaded snapshot's Summary before any comparison, and
    // aggregatesForDiff() reuses the "allObjects" aggregates it leaves cached.
    other.phases.enter('Oracle: summary view of other snapshot');
    const otherSummary = views.summary(other.snapshot);
    other.phases.enter('Oracle: comparison view');
    const [base, target] = o.diff !== null ? [first, other] : [other, first];
    out.comparison = views.comparison(base, target);
    out.comparison.other_file = {
      file: other.label,
      node_count: other.snapshot.nodeCount,
      edge_count: other.snapshot.containmentEdges.length / other.snapshot.edgeFieldsCount,
      total_size: other.snapshot.totalSize,
      summary_total_count: otherSummary.total_count,
      summary_total_self_size: otherSummary.total_self_size,
    };
    other.phases.print();
  }

  await new Promise((resolve, reject) => process.stdout.write(JSON.stringify(out, null, 1) + '\n', e => (e ? reject(e) : resolve())));
  if (!o.quiet) {
    const seconds = (performance.now() - started) / 1000;
    process.stderr.write(`devtools-oracle: done in ${seconds.toFixed(1)} s, peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB\n`);
  }
}

main().catch(e => {
  process.stderr.write(`devtools-oracle: ${(e && e.message) || e}\n`);
  if (!(e instanceof LoadError) || process.env.DEVTOOLS_ORACLE_DEBUG) {
    process.stderr.write(`${e && e.stack}\n`);
  }
  process.exit(1);
});
