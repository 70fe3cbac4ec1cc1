// Asks recheck (a ReDoS checker: static analysis plus fuzzing of a backtracking matcher) for attack strings
// against every `re` pattern of the SigmaHQ corpus, and writes them to test/redos/attacks.json for the ReDoS
// suite (test/redos/). An attack is stored as recheck describes it (pumps repeated `base + bias` times between
// a prefix and a suffix), not expanded: the strings run to 200k characters.
//
//   npm run redos:attacks            (about a minute: recheck's checker runs once per pattern)
//
// recheck's fuzzer is seeded, so a rerun over the same corpus writes the same file.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { check } from 'recheck';
import { collectCorpusRegexes } from '../test/support/corpus-regexes.js';
import { attackString, type RedosFixture, type RedosFixturePattern } from '../test/redos/fixture.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const corpusRoot = path.resolve(root, '../shared/sigma-rules');
const placeholders = path.join(root, 'test/conformance/fixtures/placeholders.yml');
const out = path.join(root, 'test/redos/attacks.json');

const patterns: RedosFixturePattern[] = [];
for (const regex of await collectCorpusRegexes(corpusRoot, placeholders)) {
  const flags = (regex.flags.ignoreCase ? 'i' : '') + (regex.flags.multiline ? 'm' : '') + (regex.flags.dotAll ? 's' : '');
  const diagnostics = await check(regex.source, flags, { randomSeed: 1, timeout: 30_000 });
  const entry: RedosFixturePattern = { source: regex.source, flags: regex.flags, rules: regex.rules, status: diagnostics.status };
  if (diagnostics.status === 'vulnerable') {
    entry.complexity = diagnostics.complexity.type;
    const attack = diagnostics.attack;
    entry.attack = { pumps: attack.pumps.map(({ prefix, pump, bias }) => ({ prefix, pump, bias })), suffix: attack.suffix, base: attack.base };
    if (attackString(entry.attack) !== attack.string) throw new Error(`recheck's attack for ${regex.source} is not its pumps and suffix`);
  }
  patterns.push(entry);
  process.stderr.write(`${diagnostics.status.padEnd(10)} ${regex.source.slice(0, 100)}\n`);
}
const fixture: RedosFixture = { generator: 'recheck 4.5.0, randomSeed 1', patterns };
writeFileSync(out, `${JSON.stringify(fixture, null, 1)}\n`);
process.stderr.write(`${patterns.length} patterns, ${patterns.filter((pattern) => pattern.attack).length} with an attack → ${path.relative(root, out)}\n`);
