// Builds typed SigmaRule objects by hand for matcher tests, until the YAML loader and modifier layer land.
// Deliberately small: `Field|mod|mod: value(s)` with the modifiers the matcher tests need.
import { compileRule } from '../../src/match/compile.js';
import { SigmaError } from '../../src/rule/errors.js';
import type { ConditionNode, DetectionItem, Search, SigmaRule, SourceLocation, StringPart, ValueGroup, ValuePattern } from '../../src/rule/model.js';

export type Written = string | number | boolean | null;
export type SearchBody = Record<string, Written | Written[]> | Array<Record<string, Written | Written[]>> | Written[];

const here = (path: string): SourceLocation => ({ file: 'test.yml', document: 0, line: 1, path });

/** Sigma string → parts: `*`/`?` are wildcards, `\*` `\?` `\\` escapes, any other backslash is literal. */
export function sigmaString(text: string): StringPart[] {
  const parts: StringPart[] = [];
  let literal = '';
  const flush = () => {
    if (literal !== '') parts.push({ kind: 'literal', text: literal });
    literal = '';
  };
  for (let k = 0; k < text.length; k++) {
    const c = text[k];
    const next = text[k + 1];
    if (c === '\\' && (next === '*' || next === '?' || next === '\\')) {
      literal += next;
      k++;
    } else if (c === '*' || c === '?') {
      flush();
      parts.push({ kind: c === '*' ? 'any' : 'one' });
    } else {
      literal += c;
    }
  }
  flush();
  return parts;
}

function patternFor(value: Written, modifiers: string[], path: string): ValuePattern {
  const has = (m: string) => modifiers.includes(m);
  if (has('exists')) return { kind: 'exists', expected: value === true };
  if (value === null) return { kind: 'null' };
  for (const op of ['gt', 'gte', 'lt', 'lte'] as const) if (has(op)) return { kind: 'compare', op, value: Number(value) };
  for (const part of ['minute', 'hour', 'day', 'week', 'month', 'year'] as const) if (has(part)) return { kind: 'timepart', part, value: Number(value) };
  if (has('cidr')) {
    const [network, prefix] = String(value).split('/');
    return { kind: 'cidr', family: network.includes(':') ? 6 : 4, network, prefixLength: Number(prefix) };
  }
  const position = has('contains') ? 'contains' : has('startswith') ? 'startswith' : has('endswith') ? 'endswith' : 'exact';
  if (has('fieldref')) return { kind: 'fieldref', field: String(value), position, cased: has('cased') };
  if (has('re')) return { kind: 're', source: String(value), flags: { ignoreCase: has('i'), multiline: has('m'), dotAll: has('s') } };
  const parts = sigmaString(String(value));
  if ((position === 'contains' || position === 'endswith') && parts[0]?.kind !== 'any') parts.unshift({ kind: 'any' });
  if ((position === 'contains' || position === 'startswith') && parts[parts.length - 1]?.kind !== 'any') parts.push({ kind: 'any' });
  void path;
  return { kind: 'string', parts, cased: has('cased') };
}

export function item(key: string | null, values: Written | Written[], extraModifiers: string[] = []): DetectionItem {
  const [field, ...modifiers] = key === null ? [null] : key.split('|');
  const allModifiers = [...modifiers, ...extraModifiers] as string[];
  const list = Array.isArray(values) ? values : [values];
  const path = `detection.${key ?? 'keywords'}`;
  const groups: ValueGroup[] = list.map((written, k) => ({
    written,
    patterns: [patternFor(written, allModifiers, path)],
    location: here(`${path}[${k}]`),
  }));
  return {
    field: field as string | null,
    modifiers: allModifiers,
    combine: allModifiers.includes('all') ? 'all' : 'any',
    values: groups,
    negated: allModifiers.includes('neq'),
    location: here(path),
  };
}

export function search(identifier: string, body: SearchBody, keywordModifiers: string[] = []): Search {
  if (Array.isArray(body) && (body.length === 0 || typeof body[0] !== 'object' || body[0] === null)) {
    return { kind: 'keywords', identifier, location: here(`detection.${identifier}`), item: item(null, body as Written[], keywordModifiers) };
  }
  const maps = (Array.isArray(body) ? body : [body]) as Array<Record<string, Written | Written[]>>;
  return {
    kind: 'fields',
    identifier,
    location: here(`detection.${identifier}`),
    alternatives: maps.map((map) => ({ location: here(`detection.${identifier}`), items: Object.entries(map).map(([key, values]) => item(key, values)) })),
  };
}

export const s = (identifier: string): ConditionNode => ({ kind: 'search', identifier });
export const and = (...operands: ConditionNode[]): ConditionNode => ({ kind: 'and', operands });
export const or = (...operands: ConditionNode[]): ConditionNode => ({ kind: 'or', operands });
export const not = (operand: ConditionNode): ConditionNode => ({ kind: 'not', operand });

export function makeRule(searches: Search[], condition?: ConditionNode): SigmaRule {
  const map = new Map(searches.map((entry) => [entry.identifier, entry]));
  return {
    kind: 'rule',
    title: 'test rule',
    references: [],
    tags: [],
    falsepositives: [],
    fields: [],
    source: here('detection'),
    logsource: { category: 'test' },
    detection: { searches: map, condition: condition ?? s(searches[0].identifier), conditionText: ['hand-built'] },
    appliedFilters: [],
  };
}

/** `of` resolved the way the loader does: the identifiers matching a `*` pattern, in declaration order. */
export function ofPattern(quantifier: 'one' | 'all', pattern: string, identifiers: string[]): ConditionNode {
  const regex = new RegExp(`^${pattern.replace(/\*/g, '.*')}$`);
  return { kind: 'of', quantifier, pattern, identifiers: identifiers.filter((id) => regex.test(id) && !id.startsWith('_')) };
}

export const SEED_IMAGE_FRAGMENTS = [
  ':\\$Recycle.bin', ':\\Perflogs\\', ':\\Temp\\', ':\\Users\\Default\\', ':\\Users\\Public\\', ':\\Windows\\Fonts\\',
  ':\\Windows\\IME\\', ':\\Windows\\System32\\Tasks\\', ':\\Windows\\Tasks\\', '\\config\\systemprofile\\', '\\Contacts\\',
  '\\Favorites\\', '\\Favourites\\', '\\Music\\', '\\Pictures\\', '\\Videos\\', '\\Windows\\addins\\',
];

export const SEED_DOMAINS = [
  '.githubusercontent.com', 'anonfiles.com', 'cdn.discordapp.com', 'ddns.net', 'dl.dropboxusercontent.com', 'ghostbin.co',
  'github.com', 'glitch.me', 'gofile.io', 'hastebin.com', 'mediafire.com', 'mega.co.nz', 'mega.nz', 'onrender.com',
  'pages.dev', 'paste.ee', 'pastebin.com', 'pastebin.pl', 'pastetext.net', 'portmap.io', 'privatlab.com', 'privatlab.net',
  'send.exploit.in', 'sendspace.com', 'storage.googleapis.com', 'storjshare.io', 'supabase.co', 'temp.sh', 'transfer.sh',
  'trycloudflare.com', 'ufile.io', 'w3spaces.com', 'workers.dev',
];

/** The seed rule 7b434893 (net_connection_win_susp_initiated_uncommon_or_suspicious_locations), by hand.
 *  The YAML escapes: `':\Temp\'` keeps its backslashes (a backslash before a non-wildcard is literal). */
export function seedRule(): SigmaRule {
  const searches = [
    search('selection', { Initiated: 'true', 'Image|contains': SEED_IMAGE_FRAGMENTS }),
    search('filter_main_domains', { 'DestinationHostname|endswith': SEED_DOMAINS }),
  ];
  return makeRule(searches, and(s('selection'), not(ofPattern('one', 'filter_main_*', ['selection', 'filter_main_domains']))));
}

/** The refusal compileRule throws for `rule` (its code and reason); fails the test when it compiles. */
export function refusalOf(rule: SigmaRule): { code: string; reason: string } {
  try {
    compileRule(rule);
  } catch (error) {
    if (error instanceof SigmaError) return { code: error.code, reason: error.reason };
    throw error;
  }
  throw new Error('expected a SigmaError');
}
