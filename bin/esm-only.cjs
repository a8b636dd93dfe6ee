// crs-gym is an ES module package; `require('crs-gym')` lands here (the "require" condition of its exports) to say so.
const error = new Error("crs-gym is ESM-only: use `const crs = await import('crs-gym')` (or `import ... from 'crs-gym'` in an ES module)");
error.stack = error.message;
throw error;
