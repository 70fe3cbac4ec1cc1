/**
 * Where the Kusto parser's two CommonJS scripts are found. In a checkout they are read from
 * `node_modules/@kusto/language-service-next`; the deployed app ships them beside its bundle as `kusto/*.cjs`
 * (scripts/package.ts), because azd before 1.23.12 drops `node_modules` from the package it uploads, and every
 * hunt parses its KQL with them. `.cjs`: the app's package.json says `"type": "module"`, and these scripts must
 * run as CommonJS (see loadKustoLanguage).
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const KUSTO_PACKAGE = '@kusto/language-service-next';

/** Folder, beside the module that loads them, holding the shipped copies. */
export const SHIPPED_KUSTO_DIRECTORY = 'kusto';

/** In load order: the compiled library calls Bridge.assembly(...) at load time. */
export const KUSTO_SCRIPTS = [
  { packageFile: 'bridge.js', shippedFile: 'bridge.cjs' },
  { packageFile: 'Kusto.Language.Bridge.js', shippedFile: 'Kusto.Language.Bridge.cjs' },
] as const;

/** What to `require`, relative to `moduleUrl` (the loader's import.meta.url): the shipped copies when both are
 *  there, else the package. */
export function kustoScriptSpecifiers(moduleUrl: string): string[] {
  const shipped = KUSTO_SCRIPTS.map((script) => fileURLToPath(new URL(`./${SHIPPED_KUSTO_DIRECTORY}/${script.shippedFile}`, moduleUrl)));
  if (shipped.every((file) => existsSync(file))) return shipped;
  return KUSTO_SCRIPTS.map((script) => `${KUSTO_PACKAGE}/${script.packageFile}`);
}
