// Twin: the request id goes in the per-call config; no interceptor per request.
'use strict';
const { catalog } = require('./catalog-client');
exports.upstream = require('./upstream').upstream;

exports.handle = async function handle(req, res) {
  req.resume();
  try {
    const { data } = await catalog().get(`/stock${req.url}`, { headers: { 'x-request-id': req.headers['x-request-id'] } });
    res.end(JSON.stringify(data));
  } catch (err) {
    res.statusCode = 502;
    res.end(err.message);
  }
};
