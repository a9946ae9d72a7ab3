// Loading a snapshot the way DevTools' heap snapshot worker does.
//
// The panel reads the file with ChunkedFileReader (10,000,000-byte chunks,
// decoded with a streaming TextDecoder) and posts each chunk to the worker,
// whose HeapSnapshotLoader parses as text arrives. After the last chunk it
// calls close(), then buildSnapshot(port): the JSHeapSnapshot starts, and the
// port leads to a second worker where SecondaryInitManager computes
// retainers, dominators and retained sizes. We do the same with a Node worker
// thread (or, with singleThread, both ends on this thread, as DevTools'
// createJSHeapSnapshotForTesting does).

import {closeSync, createReadStream, openSync, readSync, statSync} from 'node:fs';
import {basename, dirname, join} from 'node:path';
import {fileURLToPath, pathToFileURL} from 'node:url';
import {getHeapStatistics} from 'node:v8';
import {MessageChannel, Worker} from 'node:worker_threads';
import {createGunzip} from 'node:zlib';

const here = dirname(fileURLToPath(import.meta.url));
export const BUNDLE = join(here, '..', 'build', 'devtools-heap-snapshot.mjs');
export const devtools = await import(pathToFileURL(BUNDLE).href);
const {HeapSnapshotWorker, HeapSnapshotModel} = devtools;

const CHUNK_BYTES = 10_000_000;

export class LoadError extends Error {}

function startsWithGzipMagic(file) {
  const fd = openSync(file, 'r');
  try {
    const head = Buffer.alloc(2);
    return readSync(fd, head, 0, 2, 0) === 2 && head[0] === 0x1f && head[1] === 0x8b;
  } finally {
    closeSync(fd);
  }
}

// Byte chunks of the (decompressed) file, each CHUNK_BYTES long but the last.
async function* fileChunks(file, gzip) {
  let stream = createReadStream(file, {highWaterMark: 1 << 20});
  if (gzip) {
    const gunzip = createGunzip();
    stream.once('error', e => gunzip.destroy(e));
    stream = stream.pipe(gunzip);
  }
  let parts = [];
  let size = 0;
  for await (const piece of stream) {
    let rest = piece;
    while (size + rest.length >= CHUNK_BYTES) {
      const take = CHUNK_BYTES - size;
      parts.push(rest.subarray(0, take));
      yield Buffer.concat(parts, CHUNK_BYTES);
      rest = rest.subarray(take);
      parts = [];
      size = 0;
    }
    if (rest.length) {
      parts.push(rest);
      size += rest.length;
    }
  }
  if (size) {
    yield Buffer.concat(parts, size);
  }
}

// A stand-in for HeapSnapshotWorkerDispatcher: HeapSnapshotProgress reports
// its status through sendEvent(); onStatus receives each status text.
function dispatcherFor(onStatus) {
  return {
    sendEvent(name, data) {
      if (name === HeapSnapshotModel.HeapSnapshotProgressEvent.Update) {
        let text = data;
        try {
          text = JSON.parse(data).string;
        } catch {
          // a plain string
        }
        onStatus(text);
      } else if (name === HeapSnapshotModel.HeapSnapshotProgressEvent.BrokenSnapshot) {
        process.stderr.write(`devtools-oracle: DevTools reports a broken snapshot: ${data}\n`);
      }
    },
  };
}

function secondInit(singleThread) {
  const {port1, port2} = new MessageChannel();
  if (singleThread) {
    new HeapSnapshotWorker.HeapSnapshot.SecondaryInitManager(port2);
    return {port: port1, stop: async () => {}};
  }
  const limitMb = Math.ceil(getHeapStatistics().heap_size_limit / 2 ** 20);
  const worker = new Worker(join(here, 'secondary.mjs'), {
    workerData: {port: port2, bundle: pathToFileURL(BUNDLE).href},
    transferList: [port2],
    resourceLimits: {maxOldGenerationSizeMb: limitMb},
  });
  worker.on('error', e => {
    process.stderr.write(`devtools-oracle: second worker failed: ${(e && e.stack) || e}\n`);
    process.exit(1);
  });
  return {port: port1, stop: () => worker.terminate()};
}

// Loads FILE (plain or gzip) into a DevTools JSHeapSnapshot.
export async function loadSnapshot(file, {singleThread = false, onStatus = () => {}} = {}) {
  let stat;
  try {
    stat = statSync(file);
  } catch (e) {
    throw new LoadError(`cannot read ${file}: ${e.code || e.message}`);
  }
  if (!stat.isFile()) {
    throw new LoadError(`${file} is not a regular file`);
  }
  const gzip = startsWithGzipMagic(file);
  onStatus('Reading file');
  const loader = new HeapSnapshotWorker.HeapSnapshotLoader.HeapSnapshotLoader(dispatcherFor(onStatus));
  const decoder = new TextDecoder('utf-8');
  let bytes = 0;
  try {
    for await (const chunk of fileChunks(file, gzip)) {
      bytes += chunk.length;
      loader.write(decoder.decode(chunk, {stream: true}));
      // Between two worker messages the parser runs: give it the turn.
      await new Promise(setImmediate);
    }
  } catch (e) {
    throw new LoadError(`cannot read ${file}: ${e.code || e.message}`);
  }
  loader.write(decoder.decode());
  loader.close();
  const second = secondInit(singleThread);
  let snapshot;
  try {
    snapshot = await loader.buildSnapshot(second.port);
  } catch (e) {
    const why = typeof e === 'string' ? e : (e && e.message) || String(e);
    throw new LoadError(`DevTools could not load ${file}${gzip ? ' (gzip)' : ''}: ${why.split('\n')[0]}`);
  } finally {
    second.port.close();
    await second.stop();
  }
  return {snapshot, label: basename(file), fileBytes: stat.size, uncompressedBytes: bytes, gzip};
}
