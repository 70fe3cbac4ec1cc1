// A target schema: where one kind of Sigma event lives in a Log Analytics workspace, and how each Sigma field is
// held by its columns. One declaration is read in both directions (style.md, "one-fact-one-place"):
//   - forwards by the KQL compiler (src/kql/compile.ts): `renderValue(expr)` is the KQL that computes the field;
//   - backwards by the row adapter (src/targets/adapter.ts): `evaluateValue(expr, row)` computes the same value
//     from a result row (the adapter runs `compileCellValue(expr)`, a closure form property-tested equal to it).
// Both readings are derived from the same `ValueExpr`, so they cannot drift apart. The decisions that make them
// agree (empty string = absent, case-sensitive conditions, ...) are written down in src/targets/README.md.
import type { KqlParameterSchema, KqlType } from '../kql/schema.js';

export type TargetName = 'asim' | 'mde' | 'sysmon';
export const TARGET_NAMES: readonly TargetName[] = ['asim', 'mde', 'sysmon'];

/** Sigma logsource categories a target can serve. */
export type SigmaCategory = 'network_connection' | 'process_creation';

/** Sigma logsource products a category can be scoped to (the device's operating system). */
export type SigmaProduct = 'windows' | 'linux' | 'macos';

export interface ColumnDeclaration {
  readonly name: string;
  readonly type: KqlType;
  /** The source may lack the column (a column one leg of an ASIM `union isfuzzy=true` adds): the query reads it
   *  through `column_ifexists(name, "")` (a dynamic column: `dynamic(null)`) so a workspace without that leg still
   *  runs the query. String or dynamic only. */
  readonly optional?: boolean;
}

/** A test on the raw columns of a row. String tests are case-sensitive on both sides (KQL `in`, `startswith_cs`). */
export type Condition =
  | { readonly kind: 'in'; readonly column: string; readonly values: readonly string[] }
  | { readonly kind: 'startswith'; readonly column: string; readonly prefix: string }
  | { readonly kind: 'nonEmpty'; readonly column: string }
  | { readonly kind: 'empty'; readonly column: string }
  | { readonly kind: 'all'; readonly of: readonly Condition[] }
  | { readonly kind: 'any'; readonly of: readonly Condition[] }
  | { readonly kind: 'not'; readonly of: Condition };

/**
 * How a Sigma field's value is computed from a row. Every string result of `''` means "absent" (Kusto strings
 * are never null, so the empty string is the only way a row can say "no value"); a null number is absent too.
 */
export type ValueExpr =
  /** A column as is (string, int or long). */
  | { readonly kind: 'column'; readonly column: string }
  /** A property of a dynamic column's bag, as text (KQL `tostring(Column.member)`): absent when the bag lacks
   *  it. `member` is a plain identifier. */
  | { readonly kind: 'member'; readonly column: string; readonly member: string }
  /** The first non-empty string among the alternatives: KQL `coalesce` (which skips empty strings). */
  | { readonly kind: 'first'; readonly of: readonly ValueExpr[] }
  /** Lower-cased (KQL `tolower`). Only used for ASCII vocabularies (protocol names). */
  | { readonly kind: 'lower'; readonly of: ValueExpr }
  /** `a\b` joined with a separator, skipping empty parts (DOMAIN\user from two columns). */
  | { readonly kind: 'joinNonEmpty'; readonly separator: string; readonly of: readonly ValueExpr[] }
  /** Fixed text and values concatenated (KQL `strcat`): never empty when a text part is non-empty. */
  | { readonly kind: 'concat'; readonly of: readonly (string | ValueExpr)[] }
  /** The value of the first case whose condition holds; `otherwise` (or absent) when none does. */
  | {
      readonly kind: 'cases';
      readonly cases: readonly { readonly when: Condition; readonly then: string | ValueExpr }[];
      readonly otherwise?: ValueExpr;
    };

/** How one Sigma field is held by the target. */
export type FieldMapping =
  | {
      readonly kind: 'value';
      readonly value: ValueExpr;
      /** Emitted as a warning whenever a rule uses the field: where the target's meaning is not Sigma's. */
      readonly caveat?: string;
    }
  /** The target has no such data: the adapter never sets the field, so every test of it is evaluated as the
   *  matcher evaluates it on an absent field (a constant), with a warning. */
  | { readonly kind: 'missing'; readonly reason: string };

/** A column's value. */
export const column = (name: string): ValueExpr => ({ kind: 'column', column: name });

/** A Sigma field held as is by one column: the common mapping. */
export const fromColumn = (name: string): FieldMapping => ({ kind: 'value', value: column(name) });

/** Where a category's rows come from. */
export type CategorySource =
  /** A stored function (ASIM parser) whose first two parameters take the time window. */
  | {
      readonly kind: 'function';
      readonly name: string;
      /** The workspace-deployed twin (`imNetworkSession`) used with `useWorkspaceParser`. */
      readonly workspaceName: string;
      readonly parameters: readonly KqlParameterSchema[];
      readonly startParameter: string;
      readonly endParameter: string;
    }
  /** A table, with an exact row filter: every listed column equals its value. */
  | { readonly kind: 'table'; readonly table: string; readonly rowFilter?: readonly { readonly column: string; readonly equals: string | number }[] };

/** Fields parsed out of an XML string column (Sysmon `<Data Name="Image">...</Data>` in `Event.EventData`). */
export interface XmlDataExtraction {
  readonly column: string;
  /** Sysmon data names this category can extract; each becomes a string column of that name. */
  readonly names: readonly string[];
}

/** What values a column can hold, as far as lint-kql (src/kql/lint.ts) needs it. */
export type ValueDomain =
  /** The column holds one of `values` (exact text) or is empty. */
  | { readonly kind: 'enum'; readonly values: readonly string[] }
  /** A host name's first label: never a dot (the domain is split off) nor a backslash (DOMAIN\host is split). */
  | { readonly kind: 'host-label' }
  /** A file name without its folder: never a backslash or slash. `partial`: only some sources fill it so. */
  | { readonly kind: 'file-name'; readonly partial?: string }
  /** Upper-case text: a case-sensitive test with a lower-case letter never holds. */
  | { readonly kind: 'upper-case' };

/** A column's value domain, with what to write instead of a test the domain rules out. */
export interface ColumnDomain {
  readonly column: string;
  readonly domain: ValueDomain;
  /** What to do instead. */
  readonly fix: string;
  /** docs/research/target-schemas.md (the section) or /work/shared/docs/platform-notes.md ("ASIM" section). */
  readonly citation: string;
}

/** How a category tells a product's rows: a test on the row, and where the fact comes from. */
export interface ProductScope {
  /** True on the rows of a device with this operating system. `undefined`: every row of the source is. */
  readonly when?: Condition;
  /** Why the test is right (the source's documentation, the ASIM parser's own rule). */
  readonly basis: string;
}

export interface CategoryMapping {
  readonly source: CategorySource;
  /** The columns rows have before any extraction (the table's or the parser's output). */
  readonly columns: readonly ColumnDeclaration[];
  readonly timeColumn: string;
  /** Columns that identify a hit (deduplication across runs). */
  readonly identityColumns: readonly string[];
  /** Columns that name the host an event comes from. */
  readonly hostColumns: readonly string[];
  /** Sigma fields always projected for enrichment and entities (host, account, process, peer). */
  readonly entityFields: readonly string[];
  readonly extraction?: XmlDataExtraction;
  /**
   * The rule's `product` as a test on the row: which rows come from a device of that operating system. The
   * compiler adds the test to every query of a rule with that product, and the hunt's verification checks it on
   * each returned row (src/targets/product.ts), so a Windows rule never matches a Linux device's row. A product
   * not listed has no rows here (a rule of that product is refused); a rule without `product` is not scoped.
   * A row whose operating system the target cannot tell satisfies no product's test (src/targets/README.md).
   */
  readonly products: Readonly<Partial<Record<SigmaProduct, ProductScope>>>;
  /** Every Sigma field the category knows. Fields not listed here are refused. */
  readonly fields: Readonly<Record<string, FieldMapping>>;
  /** Warnings that apply to every rule compiled for this category on this target. */
  readonly caveats?: readonly string[];
  /** What values some columns can hold (enumerations, host-name labels, file-name-only columns), which lint-kql
   *  checks a query's tests against. Categories that share a source table share their domains. */
  readonly columnDomains?: readonly ColumnDomain[];
  /** Other sources a hand-written query may read these rows from whose columns hold the same values (parser
   *  twins, the table another agent writes): lint-kql applies `columnDomains` to them too. */
  readonly sourceAliases?: readonly string[];
}

export interface TargetSchema {
  readonly name: TargetName;
  readonly description: string;
  /** Table and function declarations beyond the categories' own (none yet); the database is derived. */
  readonly categories: Readonly<Partial<Record<SigmaCategory, CategoryMapping>>>;
}

/** A Log Analytics result row: column name → value (string, number, boolean, Date, null, object). */
export type ResultRow = Readonly<Record<string, unknown>>;
