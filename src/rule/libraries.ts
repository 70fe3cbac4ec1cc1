// The two parser libraries the rule layer needs only for some rules, imported on first need rather than at
// start-up: `yaml` (~50 ms to import) reads the files the js-yaml fast path declines and gives the careful error
// messages, `re2js` (~40 ms) compiles `re` patterns. A one-rule `validate` of a rule without `re` that the fast
// path reads needs neither (issue 9, item 4: the CLI starts within 2.5x of bare node).
//
// The rule parser is synchronous (tests and the KQL compiler call it directly), and ESM has no synchronous
// import, so the libraries are loaded ahead: the async entry points (`loadRules`, `loadPlaceholderValues`) parse,
// and when the parse reaches a library that is not loaded yet it throws LibraryNotLoaded, the entry point awaits
// `load()` and parses that file again. Sync callers outside them call `preloadRuleLibraries()` once first.
// `await import()` of a package name is what esbuild can bundle (the Azure Function's bundle keeps both inside).

import type * as YamlLibrary from 'yaml';
import type * as Re2Library from 're2js';

export type { YamlLibrary, Re2Library };

/** A sync parse reached a library nobody loaded: an async caller loads it and retries, a sync caller has a bug
 *  (it should have called preloadRuleLibraries). */
export class LibraryNotLoaded extends Error {
  override readonly name = 'LibraryNotLoaded';
  readonly code = 'library-not-loaded';
  constructor(
    readonly library: 'yaml' | 're2js',
    readonly load: () => Promise<unknown>,
  ) {
    super(`the '${library}' library is needed but not loaded yet; await preloadRuleLibraries() before parsing rules synchronously`);
  }
}

let yamlLibrary: typeof YamlLibrary | undefined;
let re2Library: typeof Re2Library | undefined;

export async function loadYamlLibrary(): Promise<typeof YamlLibrary> {
  return (yamlLibrary ??= await import('yaml'));
}

export async function loadRe2Library(): Promise<typeof Re2Library> {
  return (re2Library ??= await import('re2js'));
}

/** For synchronous callers: after this, no rule parse or `re` compilation throws LibraryNotLoaded. */
export async function preloadRuleLibraries(): Promise<void> {
  await Promise.all([loadYamlLibrary(), loadRe2Library()]);
}

export function yamlLibraryNow(): typeof YamlLibrary {
  if (yamlLibrary === undefined) throw new LibraryNotLoaded('yaml', loadYamlLibrary);
  return yamlLibrary;
}

export function re2LibraryNow(): typeof Re2Library {
  if (re2Library === undefined) throw new LibraryNotLoaded('re2js', loadRe2Library);
  return re2Library;
}

/** Runs a synchronous parse, loading each library it turns out to need and running it again; at most once per
 *  library per process, since a loaded library stays loaded. */
export async function withRuleLibraries<T>(parse: () => T): Promise<T> {
  for (;;) {
    try {
      return parse();
    } catch (err) {
      if (!(err instanceof LibraryNotLoaded)) throw err;
      await err.load();
    }
  }
}
