// A rule's `product` (the device's operating system) as a test on a target's rows. The compiler adds the test to
// the rule's query (src/kql/compile.ts) and the hunt's verification applies the same test to every returned row
// (src/hunt/verify.ts), so the query and the verification cannot disagree on which devices a rule may match.
import { compileValue, conditionColumns, kqlColumn, renderCondition } from './expr.js';
import { kqlString } from '../kql/string-literal.js';
import type { CategoryMapping, Condition, ProductScope, ResultRow, SigmaProduct } from './types.js';

/**
 * Roots of the macOS file system that a Linux device does not have (the Filesystem Hierarchy Standard has none
 * of them; macOS keeps its system, applications, user homes and /private there). Matched as written and lower-cased:
 * Defender writes FolderPath as the file is cased on disk and InitiatingProcessFolderPath lower-cased.
 */
export const MACOS_ONLY_ROOTS: readonly string[] = ['/System/', '/Applications/', '/Library/', '/Users/', '/private/', '/Volumes/'];

/** The version-info company Defender for Endpoint on macOS writes for Apple's own binaries (a live macOS row:
 *  ProcessVersionInfoCompanyName and InitiatingProcessVersionInfoCompanyName "(APPLE)"). Linux rows carry no
 *  version info at all, so the value never appears on them. */
export const DEFENDER_APPLE_COMPANY = '(APPLE)';

/**
 * A POSIX-path row that is provably from a macOS device: one of its image paths is under a macOS-only root, or
 * a version-info company is Apple's. The converse does not hold: a macOS row of a non-Apple binary outside those
 * roots (say /opt/homebrew/bin/python3 started by another such binary) shows neither, and reads as Linux
 * (src/targets/README.md, Products).
 */
export function macosSignal(pathColumns: readonly string[], companyColumns: readonly string[]): Condition {
  const prefixes = [...new Set(MACOS_ONLY_ROOTS.flatMap((root) => [root, root.toLowerCase()]))];
  return {
    kind: 'any',
    of: [
      ...pathColumns.flatMap((column) => prefixes.map((prefix): Condition => ({ kind: 'startswith', column, prefix }))),
      ...companyColumns.map((column): Condition => ({ kind: 'in', column, values: [DEFENDER_APPLE_COMPANY] })),
    ],
  };
}

export type ProductLookup =
  /** The rule names no product: every row of the category is in scope. */
  | { readonly kind: 'any' }
  /** The rows of the product's devices. */
  | { readonly kind: 'scoped'; readonly product: SigmaProduct; readonly scope: ProductScope }
  /** The category has no rows of that product on this target. */
  | { readonly kind: 'none'; readonly product: string };

export function productScopeOf(mapping: CategoryMapping, product: string | undefined): ProductLookup {
  if (product === undefined) return { kind: 'any' };
  const scope = Object.hasOwn(mapping.products, product) ? mapping.products[product as SigmaProduct] : undefined;
  return scope ? { kind: 'scoped', product: product as SigmaProduct, scope } : { kind: 'none', product };
}

/** The KQL test of the product's rows (undefined: every row). The test runs right after the source, before the
 *  query extends the optional columns, so it reads those (`optional`: names of string columns a union leg may
 *  lack) through `column_ifexists(name, "")`. */
export function renderProductTest(scope: ProductScope, optional: ReadonlySet<string> = new Set()): string | undefined {
  const columnText = (name: string) => (optional.has(name) ? `column_ifexists(${kqlString(name)}, "")` : kqlColumn(name));
  return scope.when ? renderCondition(scope.when, columnText) : undefined;
}

/** The columns the product's test reads. */
export function productColumns(scope: ProductScope): string[] {
  const columns = new Set<string>();
  if (scope.when) conditionColumns(scope.when, columns);
  return [...columns];
}

const compiledTests = new WeakMap<Condition, (row: ResultRow) => boolean>();

/** Whether a row comes from a device of the product (the verification's reading of the same test). A cell the
 *  row lacks reads as empty, as Kusto reads a column a union leg lacks. */
export function rowInProduct(scope: ProductScope, row: ResultRow): boolean {
  const when = scope.when;
  if (!when) return true;
  let test = compiledTests.get(when);
  if (!test) {
    // A `cases` value that is 'y' exactly when the condition holds: the compiled closure form the adapter uses.
    const value = compileValue({ kind: 'cases', cases: [{ when, then: 'y' }] });
    test = (candidate) => value(candidate) === 'y';
    compiledTests.set(when, test);
  }
  return test(row);
}
