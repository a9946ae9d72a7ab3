// Sockets never destroyed: node-fetch@2.7.0 responses whose body is not
// consumed keep their socket (and request, response, stream buffers) busy on
// the keep-alive agent for ever; node-fetch/node-fetch#83 and #420 ("you will
// need to drain the body if you are not using them").
'use strict';
const { recommendations } = require('./recommendations');
exports.upstream = require('./upstream').upstream;

exports.handle = async function handle(req, res) {
  req.resume();
  res.end(JSON.stringify(await recommendations(req.url.length)));
};
