/* definitions.js: placeholder */
