'use strict'
// The blog the scenario servers share: content loading and HTML helpers. Nothing in here
// leaks; each server.js decides how the work is done (and the leak is there). No npm
// packages are required here: the servers pass in what they use.

const fs = require('fs')
const path = require('path')
const { writePortFile } = require('./lifetime')

const CONTENT = path.join(__dirname, '..', 'content')
const NOTES_DIR = path.join(CONTENT, 'notes')
const POSTS_DIR = path.join(CONTENT, 'posts')

const escapeHtml = (s) => String(s).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c])

function page(title, body, bodyClass = '') {
  return (
    '<!doctype html><html><head><meta charset="utf-8"><title>' + escapeHtml(title) + '</title></head>' +
    '<body class="' + bodyClass + '"><main>' + body + '</main></body></html>'
  )
}

const slugsOf = (dir, ext) => fs.readdirSync(dir).filter((f) => f.endsWith(ext)).sort().map((f) => f.slice(0, -ext.length))

// content/notes/*.md: markdown with fenced code blocks -> Map slug -> { title, blocks }, each
// block either { text } or { lang, code }.
function readNotes() {
  const notes = new Map()
  for (const slug of slugsOf(NOTES_DIR, '.md')) {
    const text = fs.readFileSync(path.join(NOTES_DIR, slug + '.md'), 'utf8')
    const blocks = []
    let rest = text
    for (let m; (m = /```(\w+)\n([\s\S]*?)```/.exec(rest)); rest = rest.slice(m.index + m[0].length)) {
      blocks.push({ text: rest.slice(0, m.index) }, { lang: m[1], code: m[2] })
    }
    blocks.push({ text: rest })
    notes.set(slug, { title: (/^# (.+)$/m.exec(text) || [null, slug])[1], blocks })
  }
  return notes
}

// Paragraphs and `# headings` as HTML; code blocks go through highlight(code, lang), which
// may return a promise.
async function renderNote(note, highlight) {
  const parts = []
  for (const block of note.blocks) {
    if (block.lang) {
      parts.push(await highlight(block.code, block.lang))
      continue
    }
    for (const para of block.text.split(/\n{2,}/).map((p) => p.trim()).filter(Boolean)) {
      const html = escapeHtml(para).replace(/`([^`]+)`/g, '<code>$1</code>')
      parts.push(para.startsWith('# ') ? '<h1>' + html.slice(2) + '</h1>' : '<p>' + html + '</p>')
    }
  }
  return page(note.title, '<article>' + parts.join('\n') + '</article>')
}

// content/posts/*.mdx bundled once with mdx-bundler's bundleMDX -> Map slug -> { code,
// frontmatter }. `import { themeStore } from 'site-theme'` in the components becomes the
// `siteTheme` global that getMDXComponent is given. Not minified: names such as MDXContent
// and onThemeChange stay readable in the heap.
async function bundlePosts(bundleMDX) {
  const posts = new Map()
  for (const slug of slugsOf(POSTS_DIR, '.mdx')) {
    const { code, frontmatter } = await bundleMDX({
      file: path.join(POSTS_DIR, slug + '.mdx'),
      cwd: POSTS_DIR,
      globals: { 'site-theme': { varName: 'siteTheme', namedExports: ['themeStore'], defaultExport: false } },
      esbuildOptions: (options) => Object.assign(options, { minify: false }),
    })
    posts.set(slug, { code, frontmatter })
  }
  return posts
}

// The image CDN's URL for a social card: /img/social/<slug>.png[?title=..&v=..] becomes a
// resize, plus a text overlay (`l_text:`) when the card has a title, which the CDN renders
// slowly the first time (the fake CDN stalls on it).
function cardPath(req) {
  const slug = req.path.replace(/^\//, '').replace(/\.png$/, '')
  const steps = ['c_fill,w_1200,h_630,f_png']
  if (req.query.title) steps.push('l_text:Inter_60_bold:' + encodeURIComponent(String(req.query.title)) + ',co_white,g_south_west')
  const version = req.query.v ? 'v' + String(req.query.v).replace(/\D/g, '') + '/' : ''
  return '/blog-cards/image/upload/' + steps.join('/') + '/' + version + 'og/' + slug + '.png'
}

// app.listen on $HOST:$PORT (127.0.0.1 and a free port by default); the port goes to
// $PORT_FILE for run.js.
function listen(app, name) {
  const server = app.listen(Number(process.env.PORT || 0), process.env.HOST || '127.0.0.1', () => {
    writePortFile(process.env.PORT_FILE, server.address().port)
    console.log(name + ' on http://127.0.0.1:' + server.address().port)
  })
  return server
}

module.exports = { escapeHtml, page, readNotes, renderNote, bundlePosts, cardPath, listen }
