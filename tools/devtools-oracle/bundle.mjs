// Builds build/devtools-heap-snapshot.mjs: Chrome DevTools' heap snapshot worker
// code (front_end/entrypoints/heap_snapshot_worker) and its model
// (front_end/models/heap_snapshot/HeapSnapshotModel), taken unchanged from the
// pinned chrome-devtools-frontend package, as one ES module for Node.
//
// Two things come from here, not from the package:
// - core/i18n/locales.js, which DevTools' own build generates with
//   core/i18n/generate-locales-js.js and the npm package does not ship. We
//   write what that script writes for an en-US-only build. The heap snapshot
//   code uses i18n only for its progress messages.
// - a prelude that defines Promise.withResolvers where Node lacks it (Node 20;
//   Chrome and Node 22 have it). The snapshot code calls it.
//
//   node bundle.mjs          (devtools-oracle.sh runs it when needed)

import {mkdirSync, readFileSync, renameSync, writeFileSync} from 'node:fs';
import {dirname, join, resolve} from 'node:path';
import {fileURLToPath} from 'node:url';

import {build} from 'esbuild';

const root = dirname(fileURLToPath(import.meta.url));
const pkgDir = join(root, 'node_modules', 'chrome-devtools-frontend');
const frontEnd = join(pkgDir, 'front_end');
const version = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')).version;
const out = join(root, 'build', 'devtools-heap-snapshot.mjs');

const entry = [
  `export * as HeapSnapshotWorker from ${JSON.stringify(join(frontEnd, 'entrypoints/heap_snapshot_worker/heap_snapshot_worker.ts'))};`,
  `export * as HeapSnapshotModel from ${JSON.stringify(join(frontEnd, 'models/heap_snapshot/HeapSnapshotModel.ts'))};`,
  `export const DEVTOOLS_FRONTEND_VERSION = ${JSON.stringify(version)};`,
].join('\n');

// What generate-locales-js.js writes for --remote-locales (none)
// --bundled-locales en-US --default-locale en-US and empty fetch patterns.
const locales = `
export const LOCALES = [
  'en-US',
];

export const BUNDLED_LOCALES = [
  'en-US',
];

export const DEFAULT_LOCALE = 'en-US';

export const REMOTE_FETCH_PATTERN = '';

export const LOCAL_FETCH_PATTERN = '';
`;

const withResolvers = `if (typeof Promise.withResolvers !== 'function') {
  Object.defineProperty(Promise, 'withResolvers', {configurable: true, writable: true, value() {
    let resolve, reject;
    const promise = new this((res, rej) => { resolve = res; reject = rej; });
    return {promise, resolve, reject};
  }});
}`;

const localesJs = join(frontEnd, 'core', 'i18n', 'locales.js');
const generated = {
  name: 'devtools-generated-locales',
  setup(b) {
    b.onResolve({filter: /locales\.js$/}, args =>
      resolve(args.resolveDir, args.path) === localesJs ? {path: localesJs, namespace: 'generated'} : undefined);
    b.onLoad({filter: /.*/, namespace: 'generated'}, () => ({contents: locales, loader: 'js'}));
  },
};

mkdirSync(dirname(out), {recursive: true});
const tmp = `${out}.${process.pid}.tmp`;
await build({
  stdin: {contents: entry, resolveDir: root, sourcefile: 'entry.js', loader: 'js'},
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  banner: {js: withResolvers},
  legalComments: 'inline',
  logLevel: 'warning',
  plugins: [generated],
  outfile: tmp,
});
renameSync(tmp, out);
writeFileSync(join(root, 'build', 'VERSION'), `${version}\n`);
process.stderr.write(`devtools-oracle: bundled chrome-devtools-frontend ${version} into build/\n`);
