import { describe, expect, it } from 'vitest';
import { compileKqlFilter, compileKqlQuery, evaluateKqlPredicate, KqlOracleError, type OracleColumn, type OracleRow } from '../../../src/kql/oracle.js';

const COLUMNS: OracleColumn[] = [
  { name: 'Name', type: 'string' },
  { name: 'Other', type: 'string' },
  { name: 'Port', type: 'int' },
  { name: 'Count', type: 'long' },
  { name: 'Score', type: 'real' },
  { name: 'Flag', type: 'bool' },
  { name: 'TimeGenerated', type: 'datetime' },
];
const NOW = new Date('2024-05-01T12:00:00Z');

function holds(predicate: string, row: OracleRow = {}): boolean {
  return evaluateKqlPredicate(`T | where ${predicate}`, row, { columns: COLUMNS, now: NOW });
}

function refusal(action: () => unknown): string {
  try {
    action();
  } catch (error) {
    if (error instanceof KqlOracleError) return error.code;
    throw error;
  }
  return 'none';
}

describe('equality', () => {
  it('== on strings is case-sensitive', () => {
    expect(holds('Name == "abc"', { Name: 'abc' })).toBe(true);
    expect(holds('Name == "abc"', { Name: 'ABC' })).toBe(false);
  });
  it('!= on strings is the negation of ==', () => {
    expect(holds('Name != "abc"', { Name: 'ABC' })).toBe(true);
    expect(holds('Name != "abc"', { Name: 'abc' })).toBe(false);
  });
  it('=~ and !~ ignore ASCII case', () => {
    expect(holds('Name =~ "ABC"', { Name: 'aBc' })).toBe(true);
    expect(holds('Name !~ "ABC"', { Name: 'aBc' })).toBe(false);
    expect(holds('Name !~ "ABC"', { Name: 'abd' })).toBe(true);
  });
  it('a missing string column reads as the empty string', () => {
    expect(holds('Name == ""', {})).toBe(true);
    expect(holds('isempty(Name)', {})).toBe(true);
    expect(holds('isnull(Name)', {})).toBe(false);
  });
  it('numbers compare numerically, int with long', () => {
    expect(holds('Port == 443', { Port: 443 })).toBe(true);
    expect(holds('Port == 443', { Port: 4430 })).toBe(false);
    expect(holds('Port == Count', { Port: 7, Count: 7 })).toBe(true);
  });
  it('== with a null number is false and != with a null number is true', () => {
    expect(holds('Port == 443', {})).toBe(false);
    expect(holds('Port != 443', {})).toBe(true);
  });
  it('comparing a string with a number is refused as a type error', () => {
    expect(refusal(() => holds('Port == "443"', { Port: 443 }))).toBe('type');
  });
});

describe('logic', () => {
  it('and/or/not combine booleans', () => {
    expect(holds('Name == "a" and Other == "b"', { Name: 'a', Other: 'b' })).toBe(true);
    expect(holds('Name == "a" and Other == "b"', { Name: 'a', Other: 'c' })).toBe(false);
    expect(holds('Name == "x" or Other == "b"', { Name: 'a', Other: 'b' })).toBe(true);
    expect(holds('not(Name == "a")', { Name: 'a' })).toBe(false);
  });
  it('and binds tighter than or', () => {
    expect(holds('Name == "a" or Name == "b" and Other == "z"', { Name: 'a', Other: 'q' })).toBe(true);
  });
  it('a null comparison drops the row in where', () => {
    expect(holds('Port > 1', {})).toBe(false);
  });
  it('null and true is false, null or true is true (documented)', () => {
    expect(holds('Port > 1 and Name == ""', {})).toBe(false);
    expect(holds('Port > 1 or Name == ""', {})).toBe(true);
  });
  it('not() of a null bool is refused as undecidable', () => {
    expect(refusal(() => holds('not(Port > 1)', {}))).toBe('undecidable');
  });
  it('a false left operand of and short-circuits an undecidable right operand', () => {
    expect(holds('Name == "x" and not(Port > 1)', { Name: 'a' })).toBe(false);
  });
  it('iff treats a null condition as false', () => {
    expect(holds('iff(Port > 1, "y", "n") == "n"', {})).toBe(true);
  });
});

describe('string operators', () => {
  it('contains is a case-insensitive substring test and contains_cs a cased one', () => {
    expect(holds('Name contains "USERS\\\\pub"', { Name: 'C:\\Users\\Public\\a.exe' })).toBe(true);
    expect(holds('Name contains_cs "users"', { Name: 'C:\\Users' })).toBe(false);
    expect(holds('Name !contains "xyz"', { Name: 'abc' })).toBe(true);
    expect(holds('Name !contains_cs "B"', { Name: 'abc' })).toBe(true);
  });
  it('startswith and endswith anchor at the ends, with _cs and negated forms', () => {
    expect(holds('Name startswith "c:\\\\"', { Name: 'C:\\x' })).toBe(true);
    expect(holds('Name endswith ".EXE"', { Name: 'a.exe' })).toBe(true);
    expect(holds('Name endswith_cs ".EXE"', { Name: 'a.exe' })).toBe(false);
    expect(holds('Name startswith_cs "C:"', { Name: 'C:\\x' })).toBe(true);
    expect(holds('Name !startswith "a"', { Name: 'abc' })).toBe(false);
    expect(holds('Name !endswith "z"', { Name: 'abc' })).toBe(true);
    expect(holds('Name !startswith_cs "A"', { Name: 'abc' })).toBe(true);
    expect(holds('Name !endswith_cs "C"', { Name: 'abc' })).toBe(true);
  });
  it('the empty needle is contained in every string', () => {
    expect(holds('Name contains ""', {})).toBe(true);
  });
  it.each([
    ['Name =~ "k"', '\u212a'],
    ['Name contains "mimikatz"', 'mimi\u212aatz.exe'],
    ['Name contains "mimi"', 'mim\u0130'],
    ['Name =~ "i"', '\u0131'],
    ['Name startswith "s"', '\u017fvchost'],
    ['Name contains "ss"', 'stra\u00dfe'],
    ['Name =~ "é"', 'É'],
    ['Name has "mimikatz"', 'x mimi\u212aatz y'],
    ['Name in~ ("kerberos", "x")', '\u212aerberos'],
  ])('a case-insensitive test that a non-ASCII letter could decide is refused: %s on %s', (predicate, name) => {
    expect(refusal(() => holds(predicate, { Name: name }))).toBe('undecidable');
  });
  it('a case-insensitive test no non-ASCII letter can change is decided', () => {
    expect(holds('Name contains "X"', { Name: 'é-x' })).toBe(true);
    expect(holds('Name =~ "abc"', { Name: 'abÉ' })).toBe(false);
    expect(holds('Name contains "mimikatz"', { Name: 'mimi\u212aatz MIMIKATZ' })).toBe(true);
    expect(holds('Name has "powertool"', { Name: '\u0130x PowerTool.exe' })).toBe(true);
  });
  it('an undecidable operand does not matter when the other operand decides (Kleene and/or, has_any)', () => {
    const row = { Name: 'mimi\u212aatz', Other: 'b' };
    expect(holds('Name contains "mimikatz" and Other == "a"', row)).toBe(false);
    expect(holds('Other == "a" or Name contains "mimikatz" or Other == "b"', row)).toBe(true);
    expect(holds('Name has_any ("mimikatz", "mimi\u212aatz")', row)).toBe(true);
    expect(refusal(() => holds('Name contains "mimikatz" or Other == "a"', row))).toBe('undecidable');
  });
  it('a later where that drops the row decides an undecidable earlier where', () => {
    const query = 'T | where Name contains "mimikatz" | where Other == "a"';
    expect(compileKqlFilter(query, { columns: COLUMNS })({ Name: 'mimi\u212aatz', Other: 'b' })).toBe(false);
    expect(refusal(() => compileKqlFilter(query, { columns: COLUMNS })({ Name: 'mimi\u212aatz', Other: 'a' }))).toBe('undecidable');
  });
  it('tolower() of text whose simple and full lower case differ is refused', () => {
    expect(refusal(() => holds('tolower(Name) == "i"', { Name: '\u0130' }))).toBe('undecidable');
    expect(holds('tolower(Name) == "é"', { Name: 'É' })).toBe(true);
  });
  it('has matches whole terms only, ignoring case', () => {
    expect(holds('Name has "america"', { Name: 'North America' })).toBe(true);
    expect(holds('Name has "amer"', { Name: 'North America' })).toBe(false);
    expect(holds('Name has "exe"', { Name: 'C:\\a.exe' })).toBe(true);
    expect(holds('Name has "abc"', { Name: 'x_abc' })).toBe(true);
    expect(holds('Name has_cs "America"', { Name: 'north america' })).toBe(false);
    expect(holds('Name !has "xyz"', { Name: 'abc' })).toBe(true);
  });
  it('has with a needle of several terms is refused', () => {
    expect(refusal(() => holds('Name has "a.exe"', { Name: 'a.exe' }))).toBe('unsupported');
  });
  it('has_any and has_all test a list of terms', () => {
    expect(holds('Name has_any ("foo", "temp")', { Name: 'C:\\Temp\\x' })).toBe(true);
    expect(holds('Name has_all ("temp", "x")', { Name: 'C:\\Temp\\x' })).toBe(true);
    expect(holds('Name has_all ("temp", "y")', { Name: 'C:\\Temp\\x' })).toBe(false);
    expect(holds('Name has_any (dynamic(["nope", "x"]))', { Name: 'C:\\Temp\\x' })).toBe(true);
  });
  it('a string operator on a number is refused as a type error', () => {
    expect(refusal(() => holds('Port contains "4"', { Port: 443 }))).toBe('type');
  });
});

describe('lists', () => {
  it('in is case-sensitive and in~ is not', () => {
    expect(holds('Name in ("a", "B")', { Name: 'b' })).toBe(false);
    expect(holds('Name in~ ("a", "B")', { Name: 'b' })).toBe(true);
    expect(holds('Name !in ("a", "B")', { Name: 'b' })).toBe(true);
    expect(holds('Name !in~ ("a", "B")', { Name: 'b' })).toBe(false);
  });
  it('in on numbers compares numerically and a null number is in nothing', () => {
    expect(holds('Port in (80, 443)', { Port: 443 })).toBe(true);
    expect(holds('Port in (80, 443)', {})).toBe(false);
    expect(holds('Port !in (80, 443)', {})).toBe(true);
  });
  it('dynamic arrays inside a list are flattened', () => {
    expect(holds('Name in (dynamic(["a", "b"]), "c")', { Name: 'b' })).toBe(true);
  });
});

describe('regex', () => {
  it('matches regex searches unanchored and is case-sensitive by default', () => {
    expect(holds('Name matches regex "b+c"', { Name: 'abbcd' })).toBe(true);
    expect(holds('Name matches regex "B"', { Name: 'abc' })).toBe(false);
  });
  it('(?i) makes the pattern case-insensitive', () => {
    expect(holds('Name matches regex "(?i)^A.C$"', { Name: 'abc' })).toBe(true);
  });
  it('RE2 dot excludes only \\n, JS-style \\r exclusion does not apply', () => {
    expect(holds('Name matches regex "a.b"', { Name: 'a\rb' })).toBe(true);
    expect(holds('Name matches regex "a.b"', { Name: 'a\nb' })).toBe(false);
    expect(holds('Name matches regex "(?s)a.b"', { Name: 'a\nb' })).toBe(true);
  });
  it('RE2 \\s is ASCII whitespace only', () => {
    expect(holds('Name matches regex "a\\\\sb"', { Name: 'a\u00a0b' })).toBe(false);
    expect(holds('Name matches regex "a\\\\sb"', { Name: 'a\tb' })).toBe(true);
  });
  it('\\x{...} escapes, escaped punctuation and classes translate', () => {
    expect(holds('Name matches regex @"C:\\\\[a-z]+\\x{2E}exe$"', { Name: 'C:\\abc.exe' })).toBe(true);
    expect(holds('Name matches regex @"[^\\\\]+\\.exe"', { Name: '\\' })).toBe(false);
  });
  it('anchors without (?m) are whole-text anchors', () => {
    expect(holds('Name matches regex "^b"', { Name: 'a\nb' })).toBe(false);
    expect(holds('Name matches regex "(?m)^b"', { Name: 'a\nb' })).toBe(true);
  });
  it('named groups (?P<n>...) translate and back references are refused', () => {
    expect(holds('Name matches regex "(?P<x>ab)c"', { Name: 'abc' })).toBe(true);
    expect(refusal(() => holds('Name matches regex @"(a)\\1"', { Name: 'aa' }))).toBe('unsupported');
  });
  it('a brace that is not a repetition is a literal', () => {
    expect(holds('Name matches regex "a{x"', { Name: 'a{x' })).toBe(true);
    expect(holds('Name matches regex "a{2}"', { Name: 'aa' })).toBe(true);
  });
  it('\\b under (?i) is an ASCII word boundary: the Kelvin sign is not a word character', () => {
    expect(holds('Name matches regex @"(?i)\\bx"', { Name: 'x' })).toBe(true);
    expect(holds('Name matches regex @"(?i)\\bx"', { Name: '\u212Ax' })).toBe(true);
    expect(holds('Name matches regex @"(?i)\\bx"', { Name: 'kx' })).toBe(false);
  });
  it('a hostile row is answered in one pass (RE2), not by backtracking', () => {
    expect(holds('Name matches regex "(a+)+$"', { Name: `${'a'.repeat(40)}!` })).toBe(false);
  });
  it('a pattern RE2 refuses is unsupported, not a verdict', () => {
    expect(refusal(() => holds('Name matches regex "(a)\\\\1"', { Name: 'aa' }))).toBe('unsupported');
  });
});

describe('functions', () => {
  it('isempty/isnotempty on strings and numbers', () => {
    expect(holds('isnotempty(Name)', { Name: 'x' })).toBe(true);
    expect(holds('isempty(Port)', {})).toBe(true);
    expect(holds('isnotempty(Port)', { Port: 0 })).toBe(true);
  });
  it('isnull/isnotnull on numbers', () => {
    expect(holds('isnull(Port)', {})).toBe(true);
    expect(holds('isnotnull(Port)', { Port: 1 })).toBe(true);
  });
  it('tostring prints integers in decimal and null as empty', () => {
    expect(holds('tostring(Port) == "443"', { Port: 443 })).toBe(true);
    expect(holds('tostring(Port) == ""', {})).toBe(true);
  });
  it('tolower and toupper map ASCII', () => {
    expect(holds('tolower(Name) == "tcp"', { Name: 'TCP' })).toBe(true);
    expect(holds('toupper(Name) == "TCP"', { Name: 'tcp' })).toBe(true);
  });
  it('coalesce skips empty strings', () => {
    expect(holds('coalesce(Name, Other) == "b"', { Name: '', Other: 'b' })).toBe(true);
    expect(holds('coalesce(Name, Other) == "a"', { Name: 'a', Other: 'b' })).toBe(true);
  });
  it('case picks the first true branch, else the last value', () => {
    expect(holds('case(Name == "a", "x", Name == "b", "y", "z") == "y"', { Name: 'b' })).toBe(true);
    expect(holds('case(Name == "a", "x", "z") == "z"', { Name: 'q' })).toBe(true);
  });
  it('strcat joins text and numbers', () => {
    expect(holds('strcat(Name, "\\\\", Port) == "a\\\\1"', { Name: 'a', Port: 1 })).toBe(true);
  });
  it('column_ifexists falls back to the default for undeclared columns only', () => {
    expect(holds('column_ifexists("Nope", "d") == "d"', {})).toBe(true);
    expect(holds('column_ifexists("Name", "d") == ""', {})).toBe(true);
  });
  it('replace_string replaces every occurrence', () => {
    expect(holds('replace_string(Name, "&amp;", "&") == "a&b&c"', { Name: 'a&amp;b&amp;c' })).toBe(true);
  });
  it('ipv4_is_in_range tests prefixes and is null for non-addresses', () => {
    expect(holds('ipv4_is_in_range(Name, "10.0.0.0/8")', { Name: '10.1.2.3' })).toBe(true);
    expect(holds('ipv4_is_in_range(Name, "10.0.0.0/8")', { Name: '11.1.2.3' })).toBe(false);
    expect(holds('isnull(ipv4_is_in_range(Name, "10.0.0.0/8"))', { Name: '' })).toBe(true);
    expect(holds('isnull(ipv4_is_in_range(Name, "10.0.0.0/8"))', { Name: 'fe80::1' })).toBe(true);
  });
  it('ipv4_is_in_range refuses address spellings whose reading is undocumented', () => {
    expect(refusal(() => holds('ipv4_is_in_range(Name, "10.0.0.0/8")', { Name: '010.1.2.3' }))).toBe('undecidable');
  });
  it('ipv6_is_in_range tests IPv6 prefixes, including IPv4-mapped addresses', () => {
    expect(holds('ipv6_is_in_range(Name, "fe80::/10")', { Name: 'fe80::1' })).toBe(true);
    expect(holds('ipv6_is_in_range(Name, "fe80::/10")', { Name: '2001:db8::1' })).toBe(false);
    expect(holds('ipv6_is_in_range(Name, "::ffff:10.0.0.0/104")', { Name: '::ffff:10.9.8.7' })).toBe(true);
  });
  it('todouble reads decimal text and gives null for text without digits', () => {
    expect(holds('todouble(Name) > 2.5', { Name: '3' })).toBe(true);
    expect(holds('isnull(todouble(Name))', { Name: 'abc' })).toBe(true);
  });
  it('an unknown function is refused', () => {
    expect(refusal(() => holds('strlen(Name) == 1', { Name: 'a' }))).toBe('unsupported');
  });
});

describe('time', () => {
  it('datetime literals and between are inclusive at both ends', () => {
    const q = 'TimeGenerated between (datetime(2024-05-01T00:00:00Z) .. datetime(2024-05-01T01:00:00Z))';
    expect(holds(q, { TimeGenerated: new Date('2024-05-01T01:00:00Z') })).toBe(true);
    expect(holds(q, { TimeGenerated: new Date('2024-05-01T01:00:00.001Z') })).toBe(false);
    expect(holds(q, {})).toBe(false);
  });
  it('!between negates between', () => {
    expect(holds('Port !between (1 .. 10)', { Port: 11 })).toBe(true);
    expect(holds('Port !between (1 .. 10)', { Port: 10 })).toBe(false);
  });
  it('ago() and now() use the given clock', () => {
    expect(holds('TimeGenerated > ago(1h)', { TimeGenerated: new Date('2024-05-01T11:30:00Z') })).toBe(true);
    expect(holds('TimeGenerated > ago(1h)', { TimeGenerated: new Date('2024-05-01T10:30:00Z') })).toBe(false);
    expect(holds('TimeGenerated <= now()', { TimeGenerated: new Date('2024-05-01T12:00:00Z') })).toBe(true);
  });
  it('ingestion_time() reads the designated cell', () => {
    const options = { columns: COLUMNS, ingestionTimeColumn: 'ingested' };
    const query = 'T | where ingestion_time() > datetime(2024-01-01)';
    expect(evaluateKqlPredicate(query, { ingested: new Date('2024-02-01Z') }, options)).toBe(true);
    expect(evaluateKqlPredicate(query, {}, options)).toBe(false);
  });
  it('the ASIM parser time window filters TimeGenerated inclusively', () => {
    const filter = compileKqlFilter('_Im_NetworkSession(starttime=datetime(2024-05-01), endtime=datetime(2024-05-02)) | where true', { columns: COLUMNS });
    expect(filter({ TimeGenerated: new Date('2024-05-02T00:00:00Z') })).toBe(true);
    expect(filter({ TimeGenerated: new Date('2024-05-02T00:00:01Z') })).toBe(false);
  });
  it('other ASIM parser parameters are refused', () => {
    expect(refusal(() => compileKqlFilter('_Im_NetworkSession(hostname_has_any=dynamic(["a"])) | where true', { columns: COLUMNS }))).toBe('unsupported');
  });
});

describe('pipeline', () => {
  it('extend computes columns later operators read, project keeps only the listed ones', () => {
    const query = compileKqlQuery('T | extend x = coalesce(Name, Other) | where x == "b" | project x, Port', { columns: COLUMNS });
    expect(query.run({ Other: 'b', Port: 5 })).toEqual({ x: 'b', Port: 5 });
    expect(query.run({ Other: 'c' })).toBeNull();
  });
  it('take limits the number of rows', () => {
    const query = compileKqlQuery('T | take 1', { columns: COLUMNS });
    expect(query.runAll([{ Name: 'a' }, { Name: 'b' }])).toHaveLength(1);
  });
  it('top N by a key orders ascending or descending, with Kusto\'s null placement, and keeps N rows', () => {
    const rows = [{ Name: 'b', Port: 2 }, { Name: '', Port: null }, { Name: 'a', Port: 3 }, { Name: 'c', Port: 1 }];
    const run = (query: string) => compileKqlQuery(query, { columns: COLUMNS }).runAll(rows).map((row) => row.Name);
    expect(run('T | top 3 by Name asc')).toEqual(['', 'a', 'b']);
    expect(run('T | top 2 by Name')).toEqual(['c', 'b']); // descending by default
    expect(run('T | top 4 by Port asc')).toEqual(['', 'c', 'b', 'a']); // nulls first when ascending
    expect(run('T | top 4 by Port desc')).toEqual(['a', 'b', 'c', '']); // nulls last when descending
    expect(run('T | top 4 by Port asc nulls last')).toEqual(['c', 'b', 'a', '']);
    expect(run('T | top 2 by column_ifexists("Missing", "") asc')).toEqual(['b', '']); // equal keys keep input order
  });
  it('top with a count that is not a literal is refused', () => {
    expect(refusal(() => compileKqlQuery('T | top Port by Name', { columns: COLUMNS }))).toBe('unsupported');
  });
  it('let scalars and let functions are applied', () => {
    const query = 'let suffix = ".exe"; let f = (v:string) { replace_string(v, "&amp;", "&") }; T | where f(Name) endswith suffix';
    expect(evaluateKqlPredicate(query, { Name: 'a&amp;.exe' }, { columns: COLUMNS })).toBe(true);
  });
  it('declare query_parameters takes the given values', () => {
    const query = 'declare query_parameters(starttime:datetime, endtime:datetime);\nT | where TimeGenerated between (starttime .. endtime)';
    const options = { columns: COLUMNS, parameters: { starttime: new Date('2024-01-01Z'), endtime: new Date('2024-01-02Z') } };
    expect(evaluateKqlPredicate(query, { TimeGenerated: new Date('2024-01-01T05:00Z') }, options)).toBe(true);
  });
  it('parse-kv with a regex extracts the declared keys and leaves others empty', () => {
    const query = compileKqlQuery(
      'Event | parse-kv EventData as (Image:string, User:string) with (regex="<Data Name=\\"(\\\\w+)\\">([^<]*)</Data>") | project Image, User',
      { columns: [{ name: 'EventData', type: 'string' }] },
    );
    expect(query.run({ EventData: '<Data Name="Image">C:\\a.exe</Data><Data Name="Other">x</Data>' })).toEqual({ Image: 'C:\\a.exe', User: '' });
  });
  it('an unknown column is refused', () => {
    expect(refusal(() => holds('Nope == "a"'))).toBe('column');
  });
  it('an unmodelled query operator is refused', () => {
    expect(refusal(() => compileKqlQuery('T | summarize count()', { columns: COLUMNS }))).toBe('unsupported');
  });
  it('a syntax error is refused', () => {
    expect(refusal(() => compileKqlQuery('T | where (', { columns: COLUMNS }))).toBe('syntax');
  });
  it('a cell of the wrong type is refused as input', () => {
    expect(refusal(() => holds('Port == 1', { Port: '1' }))).toBe('input');
  });
});
