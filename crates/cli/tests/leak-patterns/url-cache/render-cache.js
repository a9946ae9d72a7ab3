// Rendered pages cached by URL.
'use strict';
const pages = new Map();

function renderPage(url) {
  return `<html><body><h1>${url}</h1>${'<p>lorem ipsum</p>'.repeat(12)}</body></html>`;
}

function cachedRender(url, limit) {
  let html = pages.get(url);
  if (html === undefined) {
    html = renderPage(url);
    pages.set(url, html); // keyed by the full URL: every query string is a new key
    if (limit && pages.size > limit) pages.delete(pages.keys().next().value);
  }
  return html;
}
module.exports = { cachedRender, pages };
