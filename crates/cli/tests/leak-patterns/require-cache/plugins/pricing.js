// A pricing plugin that operators edit while the server runs.
'use strict';
const rules = Array.from({ length: 20 }, (_, k) => ({ sku: `sku-${k}`, discount: k / 100 }));
exports.price = function price(url) {
  return 100 - rules.length + url.length;
};
exports.rules = rules;
