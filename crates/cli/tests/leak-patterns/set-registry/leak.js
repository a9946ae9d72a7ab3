// close() is only called on success; orders that fail validation stay in the
// registry Set with their chunks. (Every other request fails here.)
'use strict';
const UploadSession = require('./upload-session');

exports.handle = function handle(req, res) {
  const upload = new UploadSession(req);
  req.on('data', (chunk) => upload.append(chunk));
  req.on('end', () => {
    if (upload.chunks.join('').includes('"qty":3')) {
      res.statusCode = 400;
      return res.end('rejected');
    }
    upload.close();
    res.end('stored');
  });
};
