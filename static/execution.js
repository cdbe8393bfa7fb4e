/* execution.js: placeholder */
