'use strict'
// Preloaded into every scenario server by run.js (`node --expose-gc --require lib/admin.js
// server.js`), so the servers themselves have no snapshot code. It adds a second HTTP
// listener on 127.0.0.1 (a free port, written to $ADMIN_PORT_FILE):
//
//   GET /snapshot?name=s1   global.gc() twice, then v8.writeHeapSnapshot($SNAPSHOT_DIR/s1.heapsnapshot)
//
// It also ends the process when the runner that started it is gone (its parent changed) or
// after $SCENARIO_MAX_SECONDS, so a failed run never leaves a server behind.
const fs = require('fs')
const http = require('http')
const path = require('path')
const v8 = require('v8')
const { guardLifetime, writePortFile } = require('./lifetime')

const dir = process.env.SNAPSHOT_DIR
guardLifetime('scenario server')

const admin = http.createServer((req, res) => {
  const url = new URL(req.url, 'http://127.0.0.1')
  const name = url.searchParams.get('name') || ''
  const reply = (status, body) => {
    res.writeHead(status, { 'content-type': 'application/json', connection: 'close' })
    res.end(JSON.stringify(body))
  }
  if (url.pathname !== '/snapshot' || !/^s\d$/.test(name)) return reply(404, { error: 'GET /snapshot?name=sN' })
  const file = path.join(dir, name + '.heapsnapshot')
  global.gc()
  global.gc()
  const started = Date.now()
  v8.writeHeapSnapshot(file)
  reply(200, { file, bytes: fs.statSync(file).size, ms: Date.now() - started })
})
admin.listen(0, '127.0.0.1', () => writePortFile(process.env.ADMIN_PORT_FILE, admin.address().port))
admin.unref()
