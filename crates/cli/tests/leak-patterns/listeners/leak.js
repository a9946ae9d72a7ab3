// Each request subscribes to settings changes (to re-price a long checkout)
// and never unsubscribes: listeners pile up on the process-wide emitter.
'use strict';
const settings = require('./settings');

exports.handle = function handle(req, res) {
  const quote = { url: req.url, currency: settings.values.currency, lines: [] };
  settings.on('change', function onSettingsChange(values) {
    quote.currency = values.currency;
  });
  res.end(JSON.stringify(quote));
};
