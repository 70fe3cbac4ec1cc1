/**
 * The page's files (src/review/static/), read once and kept. They are plain files, not compiled: tsc does not copy
 * them, so they are read from the source folder (which the deployment package includes, scripts/package.ts).
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/** Both src/review/ (vitest) and dist/src/review/ (built) find the folder: it is at the project root's src/review/static. */
export function staticFolder(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const parts = here.split(path.sep);
  const dist = parts.lastIndexOf('dist');
  const root = dist >= 0 ? parts.slice(0, dist).join(path.sep) : path.resolve(here, '..', '..');
  return path.join(root, 'src', 'review', 'static');
}

const NAME = /^[a-z0-9-]+\.(html|js|css|svg)$/;
const cache = new Map<string, { contentType: string; body: string }>();

export async function staticAsset(name: string): Promise<{ contentType: string; body: string } | undefined> {
  if (!NAME.test(name)) return undefined; // no folders, no dot-dot: only the files of the folder itself
  const cached = cache.get(name);
  if (cached) return cached;
  try {
    const body = await readFile(path.join(staticFolder(), name), 'utf8');
    const asset = { contentType: CONTENT_TYPES[path.extname(name)] ?? 'application/octet-stream', body };
    cache.set(name, asset);
    return asset;
  } catch {
    return undefined;
  }
}
