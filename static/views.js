/* views.js: placeholder */
