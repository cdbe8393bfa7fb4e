/* graph.js: placeholder */
