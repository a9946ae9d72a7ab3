'use strict'
// A fake image CDN for the proxy scenarios, over HTTPS on 127.0.0.1 with the self-signed
// certificate run.js makes with openssl. It runs in a process of its own, so none of its
// sockets are in the scenario server's heap snapshots.
//
//   GET /<any path>.png   a 32 KB PNG-like body; a path containing `l_text:` (a text overlay,
//                         slow to render the first time) gets no answer for 10 minutes.
//
// Env: TLS_KEY, TLS_CERT (PEM files), PORT_FILE (where the port it got is written),
// SCENARIO_MAX_SECONDS (it exits after that long).
const fs = require('fs')
const https = require('https')
const { guardLifetime, writePortFile } = require('./lifetime')

guardLifetime('fake CDN')
const image = Buffer.alloc(32 * 1024, 0x2a)
Buffer.from('\x89PNG\r\n\x1a\n', 'latin1').copy(image)
let answered = 0
let stalled = 0

const server = https.createServer({ key: fs.readFileSync(process.env.TLS_KEY), cert: fs.readFileSync(process.env.TLS_CERT) }, (req, res) => {
  const send = () => {
    answered++
    res.writeHead(200, { 'content-type': 'image/png', 'content-length': image.length, 'cache-control': 'public, max-age=86400' })
    res.end(image)
  }
  if (!req.url.includes('l_text:')) return send()
  stalled++
  const timer = setTimeout(send, 600000)
  res.on('close', () => clearTimeout(timer))
})
server.keepAliveTimeout = 120000
server.requestTimeout = 0
server.listen(0, '127.0.0.1', () => {
  writePortFile(process.env.PORT_FILE, server.address().port)
  console.log('fake CDN on https://127.0.0.1:' + server.address().port)
})
process.on('SIGTERM', () => {
  console.log('answered ' + answered + ', stalled ' + stalled)
  process.exit(0)
})
