'use strict';
// The inventory service: it reads the request and never answers (hung backend).
exports.upstream = function upstream(req) {
  req.resume();
};
