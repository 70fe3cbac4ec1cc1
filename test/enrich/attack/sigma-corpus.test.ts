// Conformance: every ATT&CK technique tag in the SigmaHQ Windows network_connection and process_creation
// rules resolves against the shipped data, directly or through ATT&CK's revoked-by replacement.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadAttack, resolveAttackTags } from '../../../src/enrich/attack/index.js';

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const windowsRules = path.resolve(projectRoot, '../shared/sigma-rules/rules/windows');
const FOLDERS = ['network_connection', 'process_creation'];
/** Distinct `attack.tNNNN(.NNN)` tags in those folders at the corpus commit in ../shared/sigma-rules/PROVENANCE.md. */
const TECHNIQUE_TAG_COUNT = 243;
/** The corpus already uses ATT&CK v19 ids: no tag needs a revoked-by replacement. */
const REVOKED_IN_CORPUS: string[] = [];

interface TaggedRule {
  file: string;
  tags: string[];
}

function readTaggedRules(folder: string): TaggedRule[] {
  const directory = path.join(windowsRules, folder);
  return readdirSync(directory, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.yml'))
    .sort()
    .map((file) => {
      const document: unknown = parse(readFileSync(path.join(directory, file), 'utf8'));
      const tags = typeof document === 'object' && document !== null && 'tags' in document ? document.tags : undefined;
      return { file: `${folder}/${file}`, tags: Array.isArray(tags) ? tags.filter((tag): tag is string => typeof tag === 'string') : [] };
    });
}

const rules = FOLDERS.flatMap(readTaggedRules);
const techniqueTags = [...new Set(rules.flatMap((rule) => rule.tags).filter((tag) => /^attack\.t\d{4}(\.\d{3})?$/i.test(tag)))].sort();

describe('Sigma corpus technique tags (windows/network_connection, windows/process_creation)', () => {
  it('reads the rules and their technique tags', () => {
    expect(rules.length).toBe(1234);
    expect(techniqueTags.length).toBe(TECHNIQUE_TAG_COUNT);
  });

  it('resolves every technique tag, directly or through its revoked-by replacement', () => {
    const catalog = loadAttack();
    const unresolved: string[] = [];
    const viaReplacement: string[] = [];
    for (const tag of techniqueTags) {
      const context = resolveAttackTags([tag], catalog);
      if (context.techniques.length !== 1) unresolved.push(`${tag}: ${context.unknownTags.map((unknown) => unknown.reason).join()}`);
      else if (context.replaced.length > 0) viaReplacement.push(`${tag} -> ${context.replaced[0].currentId}`);
    }
    expect(unresolved).toEqual([]);
    expect(viaReplacement).toEqual(REVOKED_IN_CORPUS);
  });

  it('resolves every attack tag of every rule, tactics and groups included', () => {
    const catalog = loadAttack();
    const unknown = rules.flatMap((rule) =>
      resolveAttackTags(rule.tags, catalog).unknownTags.map((tag) => `${rule.file}: ${tag.tag} (${tag.reason})`),
    );
    expect(unknown).toEqual([]);
  });
});
