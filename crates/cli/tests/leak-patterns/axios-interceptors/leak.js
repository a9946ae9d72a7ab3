// A request interceptor added per request (to tag the outgoing call with the
// incoming request id) and ejected afterwards, as axios's README shows. But
// InterceptorManager.eject() only sets handlers[id] = null: the handlers
// array grows by one slot per request for ever (axios/axios#1380
// "Interceptors array potentially growing indefinitely", still so in 1.7.9).
// A steady count growth of small bytes.
'use strict';
const { catalog } = require('./catalog-client');
exports.upstream = require('./upstream').upstream;

exports.handle = async function handle(req, res) {
  req.resume();
  const api = catalog();
  const id = req.headers['x-request-id'];
  const tag = api.interceptors.request.use((config) => {
    config.headers['x-request-id'] = id;
    return config;
  });
  try {
    const { data } = await api.get(`/stock${req.url}`);
    res.end(JSON.stringify(data));
  } catch (err) {
    res.statusCode = 502;
    res.end(err.message);
  } finally {
    api.interceptors.request.eject(tag);
  }
};
