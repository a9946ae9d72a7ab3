'use strict';
module.exports = (middleware) =>
  function handle(req, res) {
    middleware(req, res, () => {
      const views = req.session.views || 0; // read only: anonymous API traffic
      res.end(`views ${views}`);
    });
  };
