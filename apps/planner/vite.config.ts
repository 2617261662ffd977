/**
 * The planner's Vite config. One vtk.js (36.4.1) serves cornerstone3d and our own 3D code; cornerstone's
 * dependencies need the npm `events` package in the browser. The page is cross-origin isolated so the
 * DICOM decode workers share one buffer per volume (SharedArrayBuffer).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, sep } from 'node:path';
import { defineConfig, type Plugin } from 'vite';
import react from '@vitejs/plugin-react';

const require = createRequire(import.meta.url);
const isolation = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

/**
 * cornerstone's metadata and utils packages each carry their own copy of dcmjs (npm cannot hoist it
 * over the root's older dcmjs that other workspaces use), so the bundle held two, and the 2D views
 * evaluated dcmjs's dictionary twice at load. When both copies are the same version, every cornerstone
 * import of dcmjs resolves to the metadata package's copy.
 */
function oneDcmjsForCornerstone(): Plugin {
  const manifest = (pkg: string) => require.resolve(`@cornerstonejs/${pkg}/package.json`);
  const dcmjsVersion = (pkg: string): string | null => {
    try {
      const at = createRequire(manifest(pkg)).resolve('dcmjs');
      let dir = dirname(at);
      while (!dir.endsWith(`${sep}dcmjs`) && dirname(dir) !== dir) dir = dirname(dir);
      return (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string }).version;
    } catch {
      return null;
    }
  };
  const version = dcmjsVersion('metadata');
  const same = version !== null && version === dcmjsVersion('utils');
  return {
    name: 'neuroplan-one-dcmjs-for-cornerstone',
    enforce: 'pre',
    resolveId(source, importer, options) {
      if (!same || source !== 'dcmjs' || !importer?.includes(`${sep}@cornerstonejs${sep}`)) return null;
      return this.resolve(source, manifest('metadata'), { ...options, skipSelf: true });
    },
  };
}

/**
 * vtk.js keys its shader-program cache by SparkMD5.hash(vertex + fragment + geometry source), computed
 * in JavaScript every time a mapper rebuilds its shaders: the volume shaders are ~100 kB, so each
 * rebuild hashed for 10–40 ms (and made as much garbage), several times per view while the 2D views
 * start. The key only has to tell shader sources apart, so vtk.js's ShaderCache gets a fast 53-bit
 * string hash (cyrb53) with the length appended instead; a collision among the few shaders a page
 * compiles is vanishingly unlikely (~n²/2⁵⁴). Nothing else of vtk.js imports spark-md5.
 */
function fastShaderCacheKeys(): Plugin {
  const id = '\0neuroplan-shader-cache-hash';
  return {
    name: 'neuroplan-fast-shader-cache-keys',
    enforce: 'pre',
    resolveId(source, importer) {
      const shaderCache = /[\\/]@kitware[\\/]vtk\.js[\\/]Rendering[\\/]OpenGL[\\/]ShaderCache\.js$/;
      return source === 'spark-md5' && importer && shaderCache.test(importer) ? id : null;
    },
    load(loaded) {
      if (loaded !== id) return null;
      return `export default {
  hash(text) {
    let h1 = 0xdeadbeef, h2 = 0x41c6ce57;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      h1 = Math.imul(h1 ^ c, 2654435761);
      h2 = Math.imul(h2 ^ c, 1597334677);
    }
    h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
    h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
    return (4294967296 * (2097151 & h2) + (h1 >>> 0)).toString(16) + '-' + text.length.toString(16);
  },
};
`;
    },
  };
}

export default defineConfig({
  plugins: [react(), oneDcmjsForCornerstone(), fastShaderCacheKeys()],
  resolve: { alias: { events: require.resolve('events/') } },
  worker: { format: 'es' },
  server: { host: '127.0.0.1', port: 5173, headers: isolation },
  preview: { host: '127.0.0.1', port: 4173, headers: isolation },
  build: { target: 'es2022', chunkSizeWarningLimit: 8000 },
});
