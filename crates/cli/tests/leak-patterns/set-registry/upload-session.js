// Upload sessions register themselves so that shutdown can flush them.
'use strict';
class UploadSession {
  constructor(req) {
    this.id = req.headers['x-request-id'];
    this.path = req.url;
    this.chunks = [];
    UploadSession.active.add(this);
  }
  append(chunk) {
    this.chunks.push(chunk);
  }
  close() {
    UploadSession.active.delete(this);
  }
}
UploadSession.active = new Set();
module.exports = UploadSession;
