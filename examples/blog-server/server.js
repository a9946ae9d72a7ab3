'use strict'
// A small blog server with a real memory leak, for `heapscope hunt`.
//
//   node examples/blog-server/server.js [--fixed]      (PORT=3000 HOST=127.0.0.1 by default)
//
// Every page render subscribes to the site settings so that a theme change can
// re-render it ("live preview"). The subscription is never removed, so each
// request leaves a listener behind, and the listener's closure keeps the
// request's render context (the page it rendered, the request's headers)
// alive for as long as the process runs. With --fixed the listener is removed
// when the response is finished, and memory stays flat.
//
// No dependencies: Node's own http and events modules only.
const http = require('http')
const { EventEmitter } = require('events')

const FIXED = process.argv.includes('--fixed')
const HOST = process.env.HOST || '127.0.0.1'
const PORT = Number(process.env.PORT ?? 3000)

// Long-lived: one for the whole process.
const settings = new EventEmitter()
settings.setMaxListeners(0) // "fixes" the MaxListenersExceededWarning, hides the leak
let theme = { name: 'light', accent: '#3366ff' }

const posts = Array.from({ length: 20 }, (_, i) => ({
  id: i + 1,
  title: `Post number ${i + 1}`,
  body: `Lorem ipsum dolor sit amet, post ${i + 1}. `.repeat(40),
}))

function renderPage(post, ctx) {
  return `<!doctype html><html><head><title>${post.title}</title>` +
    `<style>a{color:${theme.accent}}</style></head><body class="${theme.name}">` +
    `<h1>${post.title}</h1><p>${post.body}</p>` +
    `<footer>rendered for ${ctx.userAgent} at ${ctx.renderedAt}</footer></body></html>`
}

class RenderContext {
  constructor(req) {
    this.url = req.url
    this.userAgent = req.headers['user-agent'] || 'unknown'
    this.headers = { ...req.headers }
    this.renderedAt = new Date().toISOString()
    this.html = ''
  }
}

function servePost(req, res, post) {
  const ctx = new RenderContext(req)
  ctx.html = renderPage(post, ctx)
  // Live preview: re-render when the theme changes.
  const onThemeChange = () => {
    ctx.html = renderPage(post, ctx)
  }
  settings.on('change', onThemeChange)
  if (FIXED) res.on('finish', () => settings.off('change', onThemeChange))
  res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
  res.end(ctx.html)
}

const server = http.createServer((req, res) => {
  const url = new URL(req.url, 'http://localhost')
  if (url.pathname === '/health') {
    res.end('ok')
    return
  }
  if (url.pathname === '/theme' && req.method === 'POST') {
    theme = { name: theme.name === 'light' ? 'dark' : 'light', accent: theme.accent }
    settings.emit('change', theme)
    res.end(theme.name)
    return
  }
  const match = /^\/posts\/(\d+)$/.exec(url.pathname)
  const id = match ? Number(match[1]) : 1 + (Math.floor(Math.random() * posts.length))
  const post = posts[id - 1]
  if (!post) {
    res.writeHead(404)
    res.end('no such post')
    return
  }
  servePost(req, res, post)
})

server.listen(PORT, HOST, () => {
  const { port } = server.address()
  console.log(`blog-server${FIXED ? ' (fixed)' : ''} listening on http://${HOST}:${port}`)
})

process.on('SIGTERM', () => server.close(() => process.exit(0)))
