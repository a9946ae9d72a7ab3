// Twin: the session is closed on every path.
'use strict';
const UploadSession = require('./upload-session');

exports.handle = function handle(req, res) {
  const upload = new UploadSession(req);
  req.on('data', (chunk) => upload.append(chunk));
  req.on('end', () => {
    try {
      if (upload.chunks.join('').includes('"qty":3')) {
        res.statusCode = 400;
        return res.end('rejected');
      }
      res.end('stored');
    } finally {
      upload.close();
    }
  });
};
