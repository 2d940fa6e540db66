// The compiled sender, or null where it was not built (no compiler, not a POSIX system): Herald
// then writes each socket through node's stream handle, as it does without this package.
'use strict';

let native = null;
try {
  native = require('./build/Release/send_many.node');
} catch {
  native = null;
}

module.exports = { sendMany: native === null ? null : native.sendMany };
