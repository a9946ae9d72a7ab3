'use strict'
// Leak scenario: a notes blog whose code blocks are highlighted with shiki 0.14 on every request.
//
// THE LEAK: highlight() asks shiki for a new highlighter for every code block. shiki 0.x loads
// vscode-oniguruma (Oniguruma compiled to WebAssembly) once per process, but every highlighter
// builds a new vscode-textmate Registry whose compiled regular expressions (OnigScanner) are
// malloc'ed in the WebAssembly linear memory and never disposed. The JavaScript wrappers are
// collected; the linear memory only grows (memory.grow, it never shrinks), a few MB per request.
// The heap shows one ArrayBuffer (the WebAssembly.Memory's, reached from the emscripten module
// through HEAP8 ... HEAPF64) whose backing store grows. The fix: one highlighter, made at
// startup (see ../no-leak).
const express = require('express')
const shiki = require('shiki')
const { readNotes, renderNote, listen } = require('../lib/site')

async function highlight(code, lang) {
  const highlighter = await shiki.getHighlighter({ theme: 'github-dark', langs: [lang] }) // BUG: one per block
  return highlighter.codeToHtml(code, { lang })
}

const notes = readNotes()
const app = express()

app.get('/notes/:slug', async (req, res, next) => {
  const note = notes.get(req.params.slug)
  if (!note) return res.status(404).send('no such note')
  try {
    res.send(await renderNote(note, highlight))
  } catch (err) {
    next(err)
  }
})

listen(app, 'shiki-wasm notes')
