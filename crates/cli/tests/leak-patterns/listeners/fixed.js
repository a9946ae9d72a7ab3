// Twin: the listener is removed when the response is done.
'use strict';
const settings = require('./settings');

exports.handle = function handle(req, res) {
  const quote = { url: req.url, currency: settings.values.currency, lines: [] };
  const onSettingsChange = (values) => {
    quote.currency = values.currency;
  };
  settings.on('change', onSettingsChange);
  res.on('close', () => settings.off('change', onSettingsChange));
  res.end(JSON.stringify(quote));
};
