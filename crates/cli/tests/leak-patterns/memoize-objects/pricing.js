// Order totals memoized with lodash's _.memoize. Its default cache is a Map
// keyed by the first argument: here a new parsed order object per request.
'use strict';
const _ = require('lodash');

function computeTotals(order) {
  const lines = order.items.map((item) => ({ sku: item.sku, qty: item.qty, price: 9.99 * item.qty, label: `${item.sku} x${item.qty}` }));
  return { lines, total: lines.reduce((sum, l) => sum + l.price, 0), note: order.note };
}

const totals = _.memoize(computeTotals);
module.exports = { totals };
