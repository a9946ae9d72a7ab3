// An application for heapscope's live tests that logs every HTTP request it
// gets, so a test can tell whether heapscope sent any to the app's own port.
// Usage: node [--inspect-port=P] http-app.js [N]   (keeps N small objects)
// Prints "ready PORT" on stdout once listening on 127.0.0.1, then
// "request METHOD URL" for each request.
'use strict';
const http = require('http');

globalThis.kept = [];
for (let i = 0; i < Number(process.argv[2] || 10000); i++) kept.push({ a: i, s: 'x' + i });

const server = http.createServer((req, res) => {
  console.log('request ' + req.method + ' ' + req.url);
  res.end('hello\n');
});
server.listen(0, '127.0.0.1', () => console.log('ready ' + server.address().port));
process.stdin.on('close', () => process.exit(0)); // the test that started us is gone
process.stdin.resume();
