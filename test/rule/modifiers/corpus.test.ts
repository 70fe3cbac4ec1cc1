// Conformance: every detection item of every SigmaHQ rule (rules* folders) goes through parseDetectionItem.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { isMap, isScalar, isSeq, LineCounter, parseAllDocuments, type Node } from 'yaml';
import { SigmaError } from '../../../src/rule/errors.js';
import type { SourceLocation } from '../../../src/rule/model.js';
import { parseDetectionItem, type RawValue } from '../../../src/rule/modifiers.js';

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const corpusRoot = path.resolve(projectRoot, '../shared/sigma-rules');

function yamlFiles(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(directory, entry.name);
    if (entry.isDirectory()) return yamlFiles(full);
    return /\.ya?ml$/.test(entry.name) ? [full] : [];
  });
}

interface CorpusItem {
  key: string | null;
  values: RawValue[];
  isList: boolean;
  location: SourceLocation;
}

/** The detection items of one file, the way the loader sees them: a map is items, a list of maps is maps
 *  of items, a list of scalars or a scalar is one keyword item. */
function detectionItems(file: string): CorpusItem[] {
  const text = readFileSync(file, 'utf8');
  const lineCounter = new LineCounter();
  const documents = parseAllDocuments(text, { lineCounter });
  const items: CorpusItem[] = [];
  const relative = path.relative(corpusRoot, file);
  documents.forEach((document, documentIndex) => {
    const at = (node: Node | null | undefined, yamlPath: string): SourceLocation => ({
      file: relative,
      document: documentIndex,
      line: node?.range ? lineCounter.linePos(node.range[0]).line : 0,
      path: yamlPath,
    });
    const rawValue = (node: unknown, yamlPath: string): RawValue => ({
      value: isScalar(node) ? node.toJS(document) : (node as Node | null)?.toJS?.(document) ?? null,
      location: at(node as Node, yamlPath),
    });
    const mapItems = (map: unknown, yamlPath: string): void => {
      if (!isMap(map)) return;
      for (const pair of map.items) {
        const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
        const itemPath = `${yamlPath}.${key}`;
        if (isSeq(pair.value)) {
          const values = pair.value.items.map((value, index) => rawValue(value, `${itemPath}[${index}]`));
          items.push({ key, values, isList: true, location: at(pair.key as Node, itemPath) });
        } else {
          items.push({ key, values: [rawValue(pair.value, itemPath)], isList: false, location: at(pair.key as Node, itemPath) });
        }
      }
    };
    const detection = isMap(document.contents) ? document.contents.get('detection', true) : undefined;
    if (!isMap(detection)) return;
    for (const pair of detection.items) {
      const identifier = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
      if (identifier === 'condition' || identifier === 'timeframe') continue;
      const searchPath = `detection.${identifier}`;
      const body = pair.value;
      if (isMap(body)) mapItems(body, searchPath);
      else if (isSeq(body)) {
        if (body.items.every((entry) => isScalar(entry))) {
          const values = body.items.map((value, index) => rawValue(value, `${searchPath}[${index}]`));
          items.push({ key: null, values, isList: true, location: at(body, searchPath) });
        } else {
          body.items.forEach((entry, index) => mapItems(entry, `${searchPath}[${index}]`));
        }
      } else {
        items.push({ key: null, values: [rawValue(body, searchPath)], isList: false, location: at(body as Node, searchPath) });
      }
    }
  });
  return items;
}

const ruleFolders = readdirSync(corpusRoot).filter((name) => name.startsWith('rules'));
const files = ruleFolders.flatMap((folder) => yamlFiles(path.join(corpusRoot, folder)));
const items = files.flatMap(detectionItems);

function outcome(item: CorpusItem, placeholders?: ReadonlyMap<string, readonly string[]>): string | null {
  try {
    parseDetectionItem(item.key, item.values, item.isList, item.location, placeholders);
    return null;
  } catch (error) {
    if (!(error instanceof SigmaError)) throw error;
    return `${error.code}: ${error.reason}`;
  }
}

describe('SigmaHQ corpus detection items', () => {
  it('finds the rule folders and their items', () => {
    expect(ruleFolders.length).toBeGreaterThanOrEqual(5);
    expect(files.length).toBeGreaterThan(3000);
    expect(items.length).toBeGreaterThan(10000);
    const singleItemAll = items.filter((item) => item.isList && item.values.length === 1 && item.key?.split('|').includes('all'));
    console.log(`corpus: 'all' on a one-item list: ${singleItemAll.length}`, singleItemAll.map((item) => `${item.location.file}:${item.location.line}`));
  });

  it('parses every item except the placeholder ones, which are refused without placeholder values', () => {
    const refusals = new Map<string, string[]>();
    for (const item of items) {
      const reason = outcome(item);
      if (reason === null) continue;
      // Group by the reason without the value-specific part, for the count table.
      const category = reason.replace(/'%[^%]+%'/, "'%…%'");
      refusals.set(category, [...(refusals.get(category) ?? []), `${item.location.file}:${item.location.line} ${item.location.path}`]);
    }
    const counts = Object.fromEntries([...refusals].map(([reason, where]) => [reason, where.length]));
    console.log(`corpus: ${files.length} files, ${items.length} detection items, refusals:`, counts);
    const unexpected = [...refusals].filter(([reason]) => !reason.startsWith('placeholder:'));
    expect(unexpected.map(([reason, where]) => `${reason} @ ${where.slice(0, 5).join(', ')}`)).toEqual([]);
    expect(refusals.get("placeholder: placeholder '%…%' has no values (supply it with the placeholder values)")?.length).toBe(33);
  });

  it('parses the placeholder items once every placeholder has a value', () => {
    const names = new Set<string>();
    for (const item of items) {
      if (!item.key?.split('|').includes('expand')) continue;
      for (const value of item.values) for (const match of String(value.value).matchAll(/%(\w+)%/g)) names.add(match[1]);
    }
    const placeholders = new Map([...names].map((name) => [name, ['value-of-' + name]]));
    const failing = items.filter((item) => outcome(item, placeholders) !== null);
    expect(failing.map((item) => `${item.location.file}:${item.location.line}: ${outcome(item, placeholders)}`)).toEqual([]);
  });
});
