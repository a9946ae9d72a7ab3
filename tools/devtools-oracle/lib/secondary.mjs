// The second worker of DevTools' snapshot loading: DevTools' own
// SecondaryInitManager answers the primary's requests on the port it is given
// (retainers, dominators, retained sizes, dominated nodes).
import {workerData} from 'node:worker_threads';

const {HeapSnapshotWorker} = await import(workerData.bundle);
new HeapSnapshotWorker.HeapSnapshot.SecondaryInitManager(workerData.port);
