// A catalog API client shared by all requests.
'use strict';
const http = require('http');
const axios = require('axios');

let client;
function catalog() {
  client ??= axios.create({
    baseURL: process.env.UPSTREAM,
    httpAgent: new http.Agent({ keepAlive: true, maxSockets: 8 }),
    timeout: 2000,
  });
  return client;
}
module.exports = { catalog };
