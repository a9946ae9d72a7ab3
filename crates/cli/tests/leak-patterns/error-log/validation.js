// Order validation; failures are kept for the /admin/errors page.
'use strict';
class ValidationError extends Error {
  constructor(field, order) {
    super(`order ${order.order}: invalid ${field}`);
    this.name = 'ValidationError';
    this.field = field;
    this.order = order;
  }
}

const recentErrors = [];

function validate(order) {
  if (!order.items.every((item) => item.qty < 3)) throw new ValidationError('qty', order);
}

function recordError(err, keep) {
  recentErrors.push(err); // the Error, with its stack and the order it names
  if (keep && recentErrors.length > keep) recentErrors.shift();
}
module.exports = { ValidationError, validate, recordError, recentErrors };
