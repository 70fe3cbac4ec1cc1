import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The checkout's root. */
export const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** Read-only reference material beside the checkout (present in CI); only tests may read it. */
export const sharedRoot = path.resolve(projectRoot, '../shared');
