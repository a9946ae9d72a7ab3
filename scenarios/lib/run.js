'use strict'
// One scenario run (run.sh calls it after `npm ci`):  node lib/run.js <scenario-dir> <outdir>
//
// Starts the scenario's server as `node --expose-gc --require lib/admin.js server.js` on
// 127.0.0.1 with a free port (and first, when scenario.json says `"upstream": true`, the fake
// HTTPS CDN lib/upstream.js in its own process, with a self-signed certificate made by
// openssl), samples the server's RSS every 200 ms, and runs three phases, each followed by a
// heap snapshot through the admin endpoint:
//
//   warmup -> s1.heapsnapshot, load1 -> s2.heapsnapshot, load2 -> s3.heapsnapshot
//
// then stops everything and writes truth.json (the scenario's expected culprit, the counts of
// its selectors in s1/s2/s3, whether each expectation held, the load statistics and sizes) and
// rss.csv. Every phase is bounded by its request count and by max_seconds_per_phase; only
// 127.0.0.1 is contacted; the run gives up after 120 s. Exit status: 0 when every expectation
// held, 3 when one did not, 1 on an error.
const { execFileSync, spawn } = require('child_process')
const fs = require('fs')
const http = require('http')
const os = require('os')
const path = require('path')
const count = require('./heap-count')

const MAX_REQUESTS_PER_PHASE = 5000
const MAX_SECONDS_PER_PHASE = 60
const MAX_RUN_SECONDS = 120

const [scenarioDir, outArg] = process.argv.slice(2)
const conf = JSON.parse(fs.readFileSync(path.join(scenarioDir, 'scenario.json'), 'utf8'))
const name = path.basename(path.resolve(scenarioDir))
const out = path.resolve(outArg)
const started = Date.now()
const log = (msg) => console.error('[run ' + name + ' ' + ((Date.now() - started) / 1000).toFixed(1).padStart(5) + 's] ' + msg)
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

// --- the processes this run starts: all of them are killed when it ends, however it ends.
const children = []
function start(what, args, env, cwd) {
  const logFile = fs.openSync(path.join(out, what + '.log'), 'w')
  const child = spawn(process.execPath, args, { cwd, env, stdio: ['ignore', logFile, logFile] })
  fs.closeSync(logFile)
  children.push(child)
  child.on('exit', (code, signal) => !stopping && log(what + ' exited early (' + (signal || code) + '), see ' + what + '.log'))
  return child
}
let stopping = false
const alive = (child) => child.exitCode === null && child.signalCode === null
const portFiles = []
process.on('exit', () => {
  children.filter(alive).forEach((c) => c.kill('SIGKILL'))
  portFiles.forEach((f) => fs.rmSync(f, { force: true }))
})
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, () => process.exit(128 + os.constants.signals[sig]))
setTimeout(() => {
  log('gave up after ' + MAX_RUN_SECONDS + ' s')
  process.exit(1)
}, MAX_RUN_SECONDS * 1000).unref()

async function stop(child) {
  if (!alive(child)) return
  child.kill('SIGTERM')
  for (let i = 0; i < 50 && alive(child); i++) await sleep(100)
  if (alive(child)) child.kill('SIGKILL')
}

async function waitForPort(file, child, what) {
  for (let i = 0; i < 600; i++) {
    if (fs.existsSync(file)) return Number(fs.readFileSync(file, 'utf8'))
    if (!alive(child)) throw new Error(what + ' exited before it listened; see its log in ' + out)
    await sleep(100)
  }
  throw new Error(what + ' did not listen within 60 s')
}

// --- load: request number i (counted over the whole run) asks for paths[i % paths.length],
// with {i} replaced by i, so every run sends the same requests. A path containing
// give_up.when is abandoned after give_up.after_ms, like a crawler that stops waiting.
async function runPhase(port, phase, first) {
  const load = conf.load
  const total = Math.min(load[phase], MAX_REQUESTS_PER_PHASE)
  const deadline = Date.now() + Math.min(load.max_seconds_per_phase || 30, MAX_SECONDS_PER_PHASE) * 1000
  const agent = new http.Agent({ keepAlive: true, maxSockets: load.connections })
  const stats = { requests: 0, status: {}, gave_up: 0, timeouts: 0, errors: 0, seconds: 0 }
  const one = (i) =>
    new Promise((resolve) => {
      const p = load.paths[i % load.paths.length].replace(/\{i\}/g, String(i))
      const giveUp = load.give_up && p.includes(load.give_up.when)
      let abandoned = false
      const req = http.get({ host: '127.0.0.1', port, path: p, agent }, (res) => {
        stats.status[res.statusCode] = (stats.status[res.statusCode] || 0) + 1
        res.resume()
      })
      req.setTimeout(giveUp ? load.give_up.after_ms : load.timeout_ms || 10000, () => {
        abandoned = true
        stats[giveUp ? 'gave_up' : 'timeouts']++
        req.destroy()
      })
      req.on('error', () => abandoned || stats.errors++)
      req.on('close', resolve)
      stats.requests++
    })
  let next = 0
  const worker = async () => {
    while (next < total && Date.now() < deadline) await one(first + next++)
  }
  const t0 = Date.now()
  await Promise.all(Array.from({ length: load.connections }, worker))
  agent.destroy()
  stats.seconds = (Date.now() - t0) / 1000
  stats.stopped_by_time = stats.requests < total
  return stats
}

function adminGet(port, p) {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: p, agent: false }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (chunk) => (body += chunk))
      res.on('end', () => (res.statusCode === 200 ? resolve(JSON.parse(body)) : reject(new Error('admin ' + p + ': ' + body))))
    })
    req.setTimeout(120000, () => req.destroy(new Error('admin ' + p + ' timed out')))
    req.on('error', reject)
  })
}

function makeCertificate(dir) {
  fs.mkdirSync(dir, { recursive: true })
  const [key, cert] = [path.join(dir, 'key.pem'), path.join(dir, 'cert.pem')]
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2',
    '-keyout', key, '-out', cert, '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost'], { stdio: 'ignore' })
  return { key, cert }
}

async function main() {
  fs.mkdirSync(out, { recursive: true })
  for (const f of ['s1', 's2', 's3'].map((s) => s + '.heapsnapshot').concat(['truth.json', 'rss.csv', 'server.log', 'upstream.log'])) {
    fs.rmSync(path.join(out, f), { force: true })
  }
  const env = Object.assign({}, process.env, { NODE_ENV: 'production', HOST: '127.0.0.1', PORT: '0', SCENARIO_MAX_SECONDS: String(MAX_RUN_SECONDS) })
  delete env.NODE_OPTIONS
  const portFile = (what) => {
    const file = path.join(out, '.' + what + '.port')
    fs.rmSync(file, { force: true })
    portFiles.push(file)
    return file
  }

  if (conf.upstream) {
    const tls = makeCertificate(path.join(out, 'tls'))
    const file = portFile('upstream')
    const cdn = start('upstream', [path.join(__dirname, 'upstream.js')], Object.assign({}, env, { TLS_KEY: tls.key, TLS_CERT: tls.cert, PORT_FILE: file }))
    env.UPSTREAM_URL = 'https://127.0.0.1:' + (await waitForPort(file, cdn, 'the fake CDN'))
    env.NODE_EXTRA_CA_CERTS = tls.cert
    log('fake CDN at ' + env.UPSTREAM_URL)
  }

  const [serverPortFile, adminPortFile] = [portFile('server'), portFile('admin')]
  const server = start('server', ['--expose-gc', '--require', path.join(__dirname, 'admin.js'), 'server.js'],
    Object.assign({}, env, { PORT_FILE: serverPortFile, ADMIN_PORT_FILE: adminPortFile, SNAPSHOT_DIR: out }), scenarioDir)
  let phase = 'startup'
  const rss = [['t_ms', 'rss_kb', 'phase']]
  const rssNow = () => Number((/VmRSS:\s+(\d+)/.exec(fs.readFileSync('/proc/' + server.pid + '/status', 'utf8')) || [])[1])
  const sampler = setInterval(() => alive(server) && rss.push([Date.now() - started, rssNow(), phase]), 200)
  const port = await waitForPort(serverPortFile, server, 'the server')
  const admin = await waitForPort(adminPortFile, server, 'the admin endpoint')
  log('server at http://127.0.0.1:' + port + ' (pid ' + server.pid + ')')

  const load = {}
  const snapshots = {}
  let first = 0
  for (const [p, s] of [['warmup', 's1'], ['load1', 's2'], ['load2', 's3']]) {
    phase = p
    load[p] = await runPhase(port, p, first)
    first += conf.load[p]
    log(p + ': ' + JSON.stringify(load[p]))
    await sleep(conf.load.settle_ms || 500)
    phase = 'snapshot-' + s
    snapshots[s] = Object.assign(await adminGet(admin, '/snapshot?name=' + s), { rss_kb: rssNow() })
    log(s + ': ' + snapshots[s].bytes + ' bytes in ' + snapshots[s].ms + ' ms, RSS ' + snapshots[s].rss_kb + ' kB')
  }
  phase = 'stopping'
  clearInterval(sampler)
  stopping = true
  for (const child of children.slice().reverse()) await stop(child)
  fs.writeFileSync(path.join(out, 'rss.csv'), rss.map((r) => r.join(',')).join('\n') + '\n')

  const snaps = ['s1', 's2', 's3'].map((s) => count.readSnapshot(path.join(out, s + '.heapsnapshot')))
  const counts = conf.truth.counts.map((sel) => {
    const measured = snaps.map((snap) => count.measure(snap, sel))
    return Object.assign({}, sel, { measured, ok: count.holds(measured, sel) })
  })
  const truth = Object.assign({ scenario: name }, conf.truth, {
    counts,
    ok: counts.every((c) => c.ok),
    snapshots: Object.fromEntries(snaps.map((snap, k) => ['s' + (k + 1), Object.assign(count.totals(snap), snapshots['s' + (k + 1)])])),
    top_growth: count.growth(snaps, 12),
    run: { node: process.version, seconds: (Date.now() - started) / 1000, load },
  })
  fs.writeFileSync(path.join(out, 'truth.json'), JSON.stringify(truth, null, 2) + '\n')
  for (const c of counts) log((c.ok ? 'ok   ' : 'FAIL ') + c.id + ' ' + c.measured.join(' -> '))
  log('done: ' + path.join(out, 'truth.json'))
  process.exit(truth.ok ? 0 : 3)
}

main().catch((err) => {
  log('error: ' + (err && err.stack ? err.stack : err))
  process.exit(1)
})
