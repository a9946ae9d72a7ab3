// express-session@1.18.1 with the default MemoryStore and
// saveUninitialized: true: every cookie-less request (API clients, bots)
// stores a new session that is never pruned. The README warns that
// MemoryStore "will leak memory under most conditions"; reports such as
// Gottwik/Enduro#154 and nodeSolidServer/node-solid-server#614.
'use strict';
exports.handle = require('./handler')(require('./sessions')(true));
