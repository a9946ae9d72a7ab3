// Twin: error bodies are read, so the socket goes back to the pool.
'use strict';
const { recommendations } = require('./recommendations');
exports.upstream = require('./upstream').upstream;

exports.handle = async function handle(req, res) {
  req.resume();
  res.end(JSON.stringify(await recommendations(req.url.length, true)));
};
