// webpack 5, production: the wasm is found through `new URL('./tempo_light_bg.wasm', import.meta.url)`.
const path = require('node:path');
module.exports = {
  mode: 'production',
  entry: path.join(__dirname, 'main.js'),
  output: { path: path.join(__dirname, 'dist'), filename: 'main.js', publicPath: 'auto', clean: true },
  performance: { hints: false },
};
