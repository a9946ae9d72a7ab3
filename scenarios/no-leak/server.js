'use strict'
// Control scenario: the jobs of the three leak scenarios in one server, done right. A leak
// finder must report nothing here.
//   /blog/:slug        MDX posts: bundled once, and each post's component made ONCE with
//                      getMDXComponent (the 4 onThemeChange subscriptions happen at startup).
//   /notes/:slug       code highlighted on every request by ONE shiki highlighter made at
//                      startup; rendered pages cached by URL in an LRU capped at 50 entries
//                      (full during warm-up, then the same size: bounded, not a leak).
//   /img/social/*.png  cards proxied with express-http-proxy 2.1.2, which aborts the upstream
//                      request when the client goes away.
const express = require('express')
const proxy = require('express-http-proxy')
const React = require('react')
const { renderToString } = require('react-dom/server')
const { getMDXComponent } = require('mdx-bundler/client')
const shiki = require('shiki')
const { themeStore } = require('../lib/theme-store')
const { bundlePosts, readNotes, renderNote, page, cardPath, listen } = require('../lib/site')

// A Map keeps insertion order: the first key is the least recently used.
class LruCache {
  constructor(max) {
    this.max = max
    this.entries = new Map()
  }

  get(key) {
    const value = this.entries.get(key)
    if (value !== undefined) {
      this.entries.delete(key)
      this.entries.set(key, value)
    }
    return value
  }

  set(key, value) {
    this.entries.delete(key)
    this.entries.set(key, value)
    if (this.entries.size > this.max) this.entries.delete(this.entries.keys().next().value)
  }
}

async function main() {
  const { bundleMDX } = await import('mdx-bundler')
  const posts = new Map()
  for (const [slug, { code, frontmatter }] of await bundlePosts(bundleMDX)) {
    posts.set(slug, { frontmatter, Post: getMDXComponent(code, { siteTheme: { themeStore } }) })
  }
  const notes = readNotes()
  const langs = [...new Set([...notes.values()].flatMap((n) => n.blocks.filter((b) => b.lang).map((b) => b.lang)))]
  const highlighter = await shiki.getHighlighter({ theme: 'github-dark', langs })
  const highlight = (code, lang) => highlighter.codeToHtml(code, { lang })
  const rendered = new LruCache(50)
  const app = express()

  app.use('/img/social', proxy(process.env.UPSTREAM_URL, { proxyReqPathResolver: cardPath }))

  app.get('/blog/:slug', (req, res) => {
    const post = posts.get(req.params.slug)
    if (!post) return res.status(404).send('no such post')
    res.send(page(post.frontmatter.title, renderToString(React.createElement(post.Post)), 'theme-' + themeStore.get()))
  })

  app.get('/notes/:slug', async (req, res, next) => {
    const note = notes.get(req.params.slug)
    if (!note) return res.status(404).send('no such note')
    try {
      let html = rendered.get(req.originalUrl)
      if (html === undefined) rendered.set(req.originalUrl, (html = await renderNote(note, highlight)))
      res.send(html)
    } catch (err) {
      next(err)
    }
  })

  listen(app, 'no-leak blog (' + posts.size + ' posts, ' + notes.size + ' notes)')
}

main().catch((err) => {
  console.error(err)
  process.exit(1)
})
