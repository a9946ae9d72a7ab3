'use strict'
// Leak scenario: a blog whose social cards (og:image) are rendered by an image CDN over HTTPS
// and proxied through the blog with express-http-proxy 1.6.3. $UPSTREAM_URL is the CDN
// (run.js starts ../lib/upstream.js, a fake one with a self-signed certificate, trusted
// through NODE_EXTRA_CA_CERTS).
//
// THE LEAK: a card with a title is a text overlay that the CDN renders slowly the first time;
// crawlers give up long before and close the connection. express-http-proxy 1.6.3 means to
// abort its upstream request then, but it waits for the request's 'aborted' event, which
// Node >= 15.5 does not emit once the body has been read (the proxy reads it itself). So the
// upstream request stays open forever: its TLSSocket (in the HTTPS agent's sockets), its
// ClientRequest, and through the proxy's closures the user's IncomingMessage, ServerResponse
// and Socket, one set per abandoned request. express-http-proxy 2.x listens for the
// response's 'close' instead (see ../no-leak).
const express = require('express')
const proxy = require('express-http-proxy')
const { escapeHtml, page, cardPath, listen } = require('../lib/site')

const titles = {
  'a-tiny-static-site': 'A tiny static site',
  'backups-with-restic': 'Backups with restic',
  'query-plans-by-hand': 'Reading query plans by hand',
  'a-config-loader-in-rust': 'A config loader in Rust',
}

const app = express()
app.use('/img/social', proxy(process.env.UPSTREAM_URL, { proxyReqPathResolver: cardPath }))

app.get('/blog/:slug', (req, res) => {
  const title = titles[req.params.slug]
  if (!title) return res.status(404).send('no such post')
  const card = '/img/social/' + req.params.slug + '.png?title=' + encodeURIComponent(title)
  res.send(page(title, '<h1>' + escapeHtml(title) + '</h1><meta property="og:image" content="' + escapeHtml(card) + '">'))
})

listen(app, 'proxy-tls-sockets blog, cards from ' + process.env.UPSTREAM_URL)
