// The local store the CLI's read-side commands (incidents, review) open: the Azurite folder `npm start` and
// `sigma-hunt hunt` write under .local/, unless HUNT_STORAGE_TABLE_ENDPOINT points at Azure.
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { describeFileError } from '../events/read.js';
import { projectRootOf } from '../local/run-local.js';
import { CommandFailure } from './command.js';
import { EXIT } from './exit-codes.js';

/** The folder given with --local-dir, else the project's .local/. */
export function localDirOf(option: string | undefined): string {
  return option ?? path.join(projectRootOf(), '.local');
}

/** The Azurite folder of `localDir`; fails with the reason when there is none. Azurite would create an empty store
 *  in any folder, so a folder without one is a mistake to report, not an empty list to show. */
export async function requireLocalStore(localDir: string): Promise<string> {
  const store = path.join(localDir, 'azurite');
  const isFolder = await stat(store).then((info) => info.isDirectory(), () => false);
  if (!isFolder) {
    const why = await stat(localDir).then((info) => (info.isDirectory() ? 'holds no local store' : 'is not a folder'), (error: unknown) => describeFileError(error));
    throw new CommandFailure(EXIT.input, `${localDir}: ${why} (\`npm start\` or \`sigma-hunt hunt\` writes one)`);
  }
  return store;
}
