import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { defineConfig, type Plugin } from 'vite';

/**
 * Writes `.gz` and `.br` beside each hashed asset so the server (@fastify/static `preCompressed`)
 * sends them without compressing per request; a self-hosted box behind a slow link benefits most.
 */
function precompress(): Plugin {
  let outDir = 'dist';
  return {
    name: 'pulse-precompress',
    apply: 'build',
    configResolved(config) {
      outDir = config.build.outDir;
    },
    writeBundle() {
      const dir = join(outDir, 'assets');
      for (const file of readdirSync(dir)) {
        if (!/\.(js|css|svg)$/.test(file)) continue;
        const body = readFileSync(join(dir, file));
        writeFileSync(join(dir, `${file}.gz`), gzipSync(body, { level: 9 }));
        writeFileSync(join(dir, `${file}.br`), brotliCompressSync(body, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }));
      }
    },
  };
}

export default defineConfig({
  // Relative asset URLs: the same build works at `/`, `/analytics` and behind a reverse-proxy prefix.
  base: './',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022', reportCompressedSize: true },
  plugins: [precompress()],
});
