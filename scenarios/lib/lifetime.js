'use strict'
// Small helpers for the processes run.js starts (the scenario servers and the fake CDN).

const fs = require('fs')

// Ends this process when the process that started it is gone (we were re-parented) or, when
// $SCENARIO_MAX_SECONDS is set, after that many seconds: a run that fails, or a runner that
// is killed, leaves nothing behind.
function guardLifetime(what) {
  const parent = process.ppid
  const stop = (why) => {
    console.error(what + ': ' + why + ', exiting')
    process.exit(1)
  }
  setInterval(() => process.ppid !== parent && stop('the process that started it is gone'), 500).unref()
  const limit = Number(process.env.SCENARIO_MAX_SECONDS || 0)
  if (limit > 0) setTimeout(() => stop('ran for ' + limit + ' s'), limit * 1000).unref()
}

// Writes the port a listener got (PORT=0) where the runner waits for it, atomically.
function writePortFile(file, port) {
  if (!file) return
  fs.writeFileSync(file + '.tmp', String(port))
  fs.renameSync(file + '.tmp', file)
}

module.exports = { guardLifetime, writePortFile }
