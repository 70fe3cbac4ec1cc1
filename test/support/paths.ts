import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The checkout's root. */
export const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** Read-only reference material beside the checkout (present in CI); only tests may read it. SIGMA_HUNT_SHARED
 * points there from a copy of the checkout elsewhere (Stryker's sandbox, stryker.config.mjs). */
export const sharedRoot = process.env.SIGMA_HUNT_SHARED ?? path.resolve(projectRoot, '../shared');
