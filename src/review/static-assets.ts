/**
 * The page's files (src/review/static/), read once and kept. They are plain files, not compiled: tsc does not copy
 * them, so a checkout reads them from the source folder, and the deployment package ships them beside its bundle
 * in SHIPPED_STATIC_DIRECTORY (scripts/package.ts), where this module's import.meta.url (the bundle's) finds them.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/** The source folder, relative to the project root. */
export const STATIC_SOURCE_DIRECTORY = 'src/review/static';
/** Folder beside the deployed bundle that holds the copies. */
export const SHIPPED_STATIC_DIRECTORY = 'review-static';

/**
 * Where the page's files are, for a module at `moduleUrl`: the shipped copies beside it when there (the bundle in
 * dist/functions/ of the deployed app), else the project root's src/review/static, from src/review/ (vitest) or
 * dist/src/review/ (built).
 */
export function staticFolder(moduleUrl: string = import.meta.url): string {
  const here = path.dirname(fileURLToPath(moduleUrl));
  const shipped = path.join(here, SHIPPED_STATIC_DIRECTORY);
  if (existsSync(path.join(shipped, 'index.html'))) return shipped;
  const parts = here.split(path.sep);
  const dist = parts.lastIndexOf('dist');
  const root = dist >= 0 ? parts.slice(0, dist).join(path.sep) : path.resolve(here, '..', '..');
  return path.join(root, ...STATIC_SOURCE_DIRECTORY.split('/'));
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
