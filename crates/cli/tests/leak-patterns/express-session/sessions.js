// Sessions with express-session's default MemoryStore.
'use strict';
const session = require('express-session');

module.exports = (saveUninitialized) =>
  session({
    secret: 'corpus-secret',
    resave: false,
    saveUninitialized,
    cookie: { maxAge: 24 * 3600 * 1000 },
  });
