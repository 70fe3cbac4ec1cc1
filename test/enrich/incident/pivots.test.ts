import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PIVOT_HOST_MAX_CHARS, PIVOT_IMAGE_MAX_CHARS, pivotQueries, type PivotQuery } from '../../../src/enrich/pivots.js';
import { analyzeKql, kqlErrors } from '../../../src/kql/analysis.js';
import { parseKqlSyntax } from '../../../src/kql/syntax-tree.js';
import { kqlTokens } from '../../../src/kql/tokens.js';
import { TABLE_LIMITS } from '../../../src/store/limits.js';
import { TARGET_NAMES, targetDatabase, type TargetName } from '../../../src/targets/index.js';

const RANGE = { timeFrom: '2026-11-28T04:00:00.1234567Z', timeTo: new Date('2026-11-28T07:00:00Z') };
const IMAGE = 'C:\\Users\\Public\\evil.exe';

const HOSTILE = [
  'ws01" or 1 == 1 //',
  "ws01' | take 1",
  'ws01\\',
  'ws01\\"',
  'a\nb\r\n| project x',
  'ws01 // comment',
  '| where true',
  '"; .drop table Event',
  '@"verbatim"',
  '\u0000\u001f\u007f\u2028\u2029',
  '\ud800 lone surrogate',
  'x```y',
  '{{ }} $() ${x}',
];

/** Every string literal value in the `where` predicates of the query (decoded by the Kusto parser). */
function whereStrings(query: string): string[] {
  const values: string[] = [];
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (typeof node !== 'object' || node === null) return;
    const record = node as Record<string, unknown>;
    if (record.kind === 'literal' && record.type === 'string') values.push(record.value as string);
    for (const value of Object.values(record)) visit(value);
  };
  visit(parseKqlSyntax(query).statements);
  return values;
}

function tokenKinds(query: string): string[] {
  return kqlTokens(query).map((token) => token.kind);
}

function expectSafe(target: TargetName, hostile: string, benign: PivotQuery[], pivots: PivotQuery[]): void {
  expect(pivots.map((pivot) => pivot.name)).toEqual(benign.map((pivot) => pivot.name));
  for (const [index, pivot] of pivots.entries()) {
    expect(kqlErrors(analyzeKql(pivot.query, targetDatabase(target))), `${target} ${pivot.name} for ${JSON.stringify(hostile)}`).toEqual([]);
    // The hostile value sits inside string literals only: the query has the same tokens as with a benign value.
    expect(tokenKinds(pivot.query)).toEqual(tokenKinds(benign[index].query));
  }
}

describe('pivotQueries', () => {
  it.each(TARGET_NAMES)('gives host, process and process-network pivots for %s that analyse without errors', (target) => {
    const pivots = pivotQueries({ target, host: 'ws01.corp.contoso.com', processImage: IMAGE, ...RANGE });
    expect(pivots.map((pivot) => pivot.name)).toEqual(['host-connections', 'process-history', 'process-connections']);
    for (const pivot of pivots) expect(kqlErrors(analyzeKql(pivot.query, targetDatabase(target)))).toEqual([]);
  });

  it('queries the ASIM network parser with its time parameters and the host columns', () => {
    const [hostConnections] = pivotQueries({ target: 'asim', host: 'ws01.corp.contoso.com', ...RANGE });
    expect(hostConnections.query.split('\n')[0]).toBe(
      '_Im_NetworkSession(starttime=datetime(2026-11-28T04:00:00.1234567Z), endtime=datetime(2026-11-28T07:00:00.0000000Z))',
    );
    expect(hostConnections.query).toContain('DvcHostname in~ ("ws01.corp.contoso.com", "ws01")');
    expect(hostConnections.query).toContain('SrcHostname in~ ("ws01.corp.contoso.com", "ws01")');
  });

  it('queries Defender tables by DeviceName and the full process paths', () => {
    const [, history, connections] = pivotQueries({ target: 'mde', host: 'WS01', processImage: IMAGE, ...RANGE });
    expect(history.query.split('\n')[0]).toBe('DeviceProcessEvents');
    expect(history.query).toContain('| where DeviceName in~ ("WS01") or DeviceName startswith "WS01."');
    expect(history.query).toContain('| where FolderPath =~ "C:\\\\Users\\\\Public\\\\evil.exe" or InitiatingProcessFolderPath =~ "C:\\\\Users\\\\Public\\\\evil.exe"');
    expect(connections.query.split('\n')[0]).toBe('DeviceNetworkEvents');
  });

  it('queries Sysmon events in the Event table by Computer', () => {
    const [hostConnections] = pivotQueries({ target: 'sysmon', host: 'ws01.corp.contoso.com', ...RANGE });
    expect(hostConnections.query).toContain('| where Source == "Microsoft-Windows-Sysmon" and EventID == 3');
    expect(hostConnections.query).toContain('| where Computer in~ ("ws01.corp.contoso.com", "ws01")');
  });

  it('searches for a host it cannot split as written instead of dropping the host filter', () => {
    const [hostConnections] = pivotQueries({ target: 'mde', host: 'CORP\\', ...RANGE });
    expect(hostConnections.query).toContain('| where DeviceName in~ ("CORP\\\\") or DeviceName startswith "CORP\\\\."');
  });

  it('leaves the process pivots out when there is no image', () => {
    expect(pivotQueries({ target: 'mde', host: 'ws01', processImage: ' ', ...RANGE }).map((pivot) => pivot.name)).toEqual(['host-connections']);
  });

  it('passes the host and image to Kusto unchanged (the decoded literals equal the inputs)', () => {
    const host = 'ws01" | take 1 //';
    const image = 'C:\\a"b\\\n| c.exe';
    const [, history] = pivotQueries({ target: 'mde', host, processImage: image, ...RANGE });
    expect(whereStrings(history.query)).toEqual(expect.arrayContaining([host, image]));
  });

  it.each(TARGET_NAMES)('keeps hostile host and image values inside string literals for %s', (target) => {
    const benign = pivotQueries({ target, host: 'h', processImage: 'i', ...RANGE });
    for (const hostile of HOSTILE) {
      expectSafe(target, hostile, benign, pivotQueries({ target, host: hostile.includes('.') ? hostile.replace(/\./g, '') : hostile, processImage: hostile, ...RANGE }));
    }
  });

  it('keeps any host and image inside string literals (property)', () => {
    const benign = new Map(TARGET_NAMES.map((target) => [target, pivotQueries({ target, host: 'h', processImage: 'i', ...RANGE })]));
    fc.assert(
      fc.property(
        fc.constantFrom(...TARGET_NAMES),
        // No dots, backslashes or blanks in the host: those change how many names the host filter lists
        // (FQDN / DOMAIN\host / none), which changes the token count legitimately.
        fc.string({ minLength: 1, unit: fc.constantFrom('a', '"', "'", '|', '/', '\n', '\r', '\u0000', '@', '(', ')', ';', '`', '\u2028') }).filter((host) => host.trim() !== ''),
        fc.string({ minLength: 1, unit: 'grapheme' }).filter((image) => image.trim() !== ''),
        (target, host, image) => {
          const pivots = pivotQueries({ target, host, processImage: image, ...RANGE });
          const reference = benign.get(target)!;
          for (const [index, pivot] of pivots.entries()) {
            expect(tokenKinds(pivot.query)).toEqual(tokenKinds(reference[index].query));
          }
        },
      ),
      { numRuns: 150 },
    );
  });

  it('refuses a pivot time that is not a datetime', () => {
    expect(() => pivotQueries({ target: 'mde', host: 'h', timeFrom: '2026-11-28T04:00:00Z) | take 1', timeTo: RANGE.timeTo })).toThrow(/datetime/);
  });
});

/** What an attacker can write into a host or image field: quotes, backslashes, a pipe and a comment, control
 *  characters, line separators, Kelvin sign and dotted I, an astral character, a lone surrogate. */
const PATHOLOGICAL_HEAD = 'WS"\\| // \u0000\u0007\t\n\u2028\u2029K\u212A\u0130\ud83d\ude00\ud800 x';
const pathological = (length: number): string => PATHOLOGICAL_HEAD + 'a'.repeat(length - PATHOLOGICAL_HEAD.length);
/** Characters that kqlString escapes to six (`\u0000`): the longest literal a bounded value can make. */
const ALL_ESCAPED = (length: number): string => '\u0001'.repeat(length);
const CONTROL_OR_LONE_SURROGATE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** The `startswith` operands of a query, decoded by the Kusto parser. */
function startswithOperands(query: string): string[] {
  const operands: string[] = [];
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (typeof node !== 'object' || node === null) return;
    const record = node as Record<string, unknown>;
    const right = record.right as Record<string, unknown> | undefined;
    if (record.kind === 'binary' && record.operator === 'startswith' && right?.kind === 'literal') operands.push(right.value as string);
    for (const value of Object.values(record)) visit(value);
  };
  visit(parseKqlSyntax(query).statements);
  return operands;
}

describe('pivotQueries on values past their bounds', () => {
  const host = pathological(2_000_000);
  const image = pathological(2_000_000);

  it.each(TARGET_NAMES)('match a 2,000,000-character host and image by their bounded prefixes, in valid %s KQL', (target) => {
    const pivots = pivotQueries({ target, host, processImage: image, ...RANGE });
    expect(pivots.map((pivot) => pivot.name)).toEqual(['host-connections', 'process-history', 'process-connections']);
    for (const pivot of pivots) {
      expect(kqlErrors(analyzeKql(pivot.query, targetDatabase(target))), pivot.name).toEqual([]);
      expect(pivot.query.length).toBeLessThan(TABLE_LIMITS.maxStringChars);
      // No equality test is left on a cut value: every test of the host or image is a prefix of the value.
      expect(whereStrings(pivot.query).filter((text) => text.startsWith('WS'))).toEqual(startswithOperands(pivot.query).filter((text) => text.startsWith('WS')));
    }
    const prefixes = new Set(pivots.flatMap((pivot) => startswithOperands(pivot.query)));
    expect([...prefixes].sort()).toEqual([host.slice(0, PIVOT_HOST_MAX_CHARS), image.slice(0, PIVOT_IMAGE_MAX_CHARS)].sort());
  });

  it('say in the title that the value was cut and is matched by prefix, on one line of well-formed text', () => {
    const [hostConnections, history, connections] = pivotQueries({ target: 'mde', host, processImage: image, ...RANGE });
    expect(hostConnections!.title).toMatch(new RegExp(`host name over ${PIVOT_HOST_MAX_CHARS} characters: matched by its first ${PIVOT_HOST_MAX_CHARS}\\)$`));
    expect(history!.title).toMatch(new RegExp(`image path over ${PIVOT_IMAGE_MAX_CHARS} characters: matched by its first ${PIVOT_IMAGE_MAX_CHARS}\\)$`));
    for (const pivot of [hostConnections!, history!, connections!]) {
      expect(pivot.title.length).toBeLessThan(PIVOT_IMAGE_MAX_CHARS + 200);
      expect(pivot.title).not.toMatch(CONTROL_OR_LONE_SURROGATE);
      expect(pivot.title).toContain('K\u212A\u0130\ud83d\ude00');
    }
  });

  it('keep a value at its bound exact, and match one character more by prefix', () => {
    const atBound = pivotQueries({ target: 'mde', host: 'h'.repeat(PIVOT_HOST_MAX_CHARS), processImage: 'i'.repeat(PIVOT_IMAGE_MAX_CHARS), ...RANGE });
    for (const pivot of atBound) expect(startswithOperands(pivot.query).every((text) => text.endsWith('.'))).toBe(true);
    expect(atBound[1]!.query).toContain(`FolderPath =~ "${'i'.repeat(PIVOT_IMAGE_MAX_CHARS)}"`);
    const over = pivotQueries({ target: 'mde', host: 'h'.repeat(PIVOT_HOST_MAX_CHARS + 1), processImage: 'i'.repeat(PIVOT_IMAGE_MAX_CHARS + 1), ...RANGE });
    expect(over[0]!.query).toContain(`| where DeviceName startswith "${'h'.repeat(PIVOT_HOST_MAX_CHARS)}"\n`);
    expect(over[1]!.query).toContain(`where FolderPath startswith "${'i'.repeat(PIVOT_IMAGE_MAX_CHARS)}" or InitiatingProcessFolderPath startswith`);
  });

  it('never cut a surrogate pair at the bound', () => {
    const host = 'h'.repeat(PIVOT_HOST_MAX_CHARS - 1) + '\ud83d\ude00' + 'tail';
    const [hostConnections] = pivotQueries({ target: 'sysmon', host, ...RANGE });
    expect(startswithOperands(hostConnections!.query)).toEqual(['h'.repeat(PIVOT_HOST_MAX_CHARS - 1)]);
  });

  it.each(TARGET_NAMES)('stay under one Table property for %s when every character of both values needs a six-character escape', (target) => {
    for (const [hostLength, imageLength] of [
      [PIVOT_HOST_MAX_CHARS, PIVOT_IMAGE_MAX_CHARS],
      [PIVOT_HOST_MAX_CHARS + 1, PIVOT_IMAGE_MAX_CHARS + 1],
    ] as const) {
      const pivots = pivotQueries({ target, host: `${ALL_ESCAPED(hostLength - 4)}.a.b`, processImage: ALL_ESCAPED(imageLength), ...RANGE });
      expect(pivots).toHaveLength(3);
      for (const pivot of pivots) {
        expect(pivot.query.length).toBeLessThan(TABLE_LIMITS.maxStringChars);
        expect(kqlErrors(analyzeKql(pivot.query, targetDatabase(target)))).toEqual([]);
      }
    }
  });
});
