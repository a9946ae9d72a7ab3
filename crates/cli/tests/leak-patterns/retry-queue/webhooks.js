// Order webhooks to a partner; failed deliveries are retried in the background.
'use strict';
const queue = [];

function deliver(rawBody) {
  // the partner endpoint is down: every attempt fails
  return rawBody.length < 0;
}

function enqueue(rawBody) {
  queue.push({ tries: 0, attempt: () => deliver(rawBody) }); // the closure keeps the whole body
}

function drain(maxTries) {
  for (let k = queue.length - 1; k >= 0; k--) {
    const job = queue[k];
    job.tries++;
    if (job.attempt() || (maxTries && job.tries >= maxTries)) queue.splice(k, 1);
  }
}
module.exports = { enqueue, drain, queue };
