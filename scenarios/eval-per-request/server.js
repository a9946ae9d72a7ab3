'use strict'
// Leak scenario: a blog whose MDX posts are bundled with mdx-bundler at startup and rendered with
// React on the server.
//
// THE LEAK: the cached bundle is turned into a component again on every request with
// getMDXComponent() from mdx-bundler/client, which runs `new Function(...)` over the bundle and
// so re-runs all of its module-level code. content/components/themed-figure.jsx, bundled into
// every post, subscribes to the site's theme store at module level: every request adds one
// onThemeChange closure to themeStore.listeners (a Set), and its context keeps that evaluation
// alive (MDXContent, _createMdxContent, ThemedFigure, Callout, the frontmatter, esbuild's module
// helpers). The fix: make each post's component once (see ../no-leak).
const express = require('express')
const React = require('react')
const { renderToString } = require('react-dom/server')
const { getMDXComponent } = require('mdx-bundler/client')
const { themeStore } = require('../lib/theme-store')
const { bundlePosts, page, listen } = require('../lib/site')

async function main() {
  const { bundleMDX } = await import('mdx-bundler')
  const posts = await bundlePosts(bundleMDX)
  const app = express()

  app.get('/blog/:slug', (req, res) => {
    const post = posts.get(req.params.slug)
    if (!post) return res.status(404).send('no such post')
    const Post = getMDXComponent(post.code, { siteTheme: { themeStore } }) // BUG: per request
    res.send(page(post.frontmatter.title, renderToString(React.createElement(Post)), 'theme-' + themeStore.get()))
  })

  listen(app, 'eval-per-request blog (' + posts.size + ' posts)')
}

main().catch((err) => {
  console.error(err)
  process.exit(1)
})
