import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

// Nothing Outpost-specific: webpack 5 bundles the client's worker from
// `new Worker(new URL('../worker.js', import.meta.url), { type: 'module' })` on its own.
const here = import.meta.dirname;

export default {
  mode: 'production',
  entry: './src/main.js',
  output: { path: resolve(here, 'dist'), filename: '[name].[contenthash].js', clean: true },
  devtool: 'source-map',
  plugins: [
    {
      // The page, with the entry's file name filled in (instead of html-webpack-plugin).
      apply(compiler) {
        compiler.hooks.thisCompilation.tap('index-html', (compilation) => {
          compilation.hooks.processAssets.tap({ name: 'index-html', stage: compiler.webpack.Compilation.PROCESS_ASSETS_STAGE_SUMMARIZE }, () => {
            const main = [...compilation.entrypoints.get('main').getFiles()].find((f) => f.endsWith('.js'));
            const html = readFileSync(resolve(here, 'index.html'), 'utf8').replace('%MAIN%', `/${main}`);
            compilation.emitAsset('index.html', new compiler.webpack.sources.RawSource(html));
          });
        });
      },
    },
  ],
};
