// The `yaml` and `re2js` libraries are imported on first need (src/rule/libraries.ts, issue 9 item 4). The setup
// file preloads them for every test, so these tests re-import the rule layer with a fresh module registry to
// see it as a fresh CLI process does.
import { readFileSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';

type LoadModule = typeof import('../../../src/rule/load.js');
type LibrariesModule = typeof import('../../../src/rule/libraries.js');

async function freshRuleLayer(): Promise<{ load: LoadModule; libraries: LibrariesModule }> {
  vi.resetModules();
  const libraries = await import('../../../src/rule/libraries.js');
  const load = await import('../../../src/rule/load.js');
  return { load, libraries };
}

function rule(selection: string[]): string {
  return ['title: T', 'logsource:', '    product: windows', 'detection:', '    selection:', ...selection, '    condition: selection', ''].join('\n');
}

const RE_RULE = rule(["        CommandLine|re: 'whoami\\s+/all'"]);
const BAD_RE_RULE = rule(["        CommandLine|re: '(?<=a)b'"]);
// An anchor and alias: the js-yaml fast path declines, so only the `yaml` package can read it.
const ANCHOR_RULE = rule(['        Image: &img C:\\x.exe', '        OriginalFileName: *img']);

async function writeRules(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'sigma-libraries-'));
  for (const [name, text] of Object.entries(files)) await writeFile(path.join(dir, name), text);
  return dir;
}

describe('parser libraries loaded on first need', () => {
  it('a synchronous parse that reaches an unloaded library says which, instead of refusing the rule', async () => {
    const { load, libraries } = await freshRuleLayer();
    expect(() => load.parseRuleText(RE_RULE, 'r.yml')).toThrow(libraries.LibraryNotLoaded);
    expect(() => load.parseRuleText(ANCHOR_RULE, 'a.yml')).toThrow(/'yaml' library is needed/);
  });

  it('loadRules loads re2js and yaml when a file needs them and parses that file as if they had been loaded', async () => {
    const dir = await writeRules({ 'anchor.yml': ANCHOR_RULE, 'bad-re.yml': BAD_RE_RULE, 're.yml': RE_RULE });
    const { load } = await freshRuleLayer();
    const result = await load.loadRules([dir]);
    expect(result.outcomes.map((outcome) => [path.basename(outcome.path), outcome.ok])).toEqual([
      ['anchor.yml', true],
      ['bad-re.yml', false],
      ['re.yml', true],
    ]);
    // The refusal comes from RE2 itself, so the library was really there when the pattern was checked.
    expect(result.outcomes[1].error?.reason).toMatch(/lookaround assertions need a backtracking engine/);
    const anchored = result.rules[0].detection.searches.get('selection');
    expect(JSON.stringify(anchored)).toContain('OriginalFileName');
  });

  it('after preloadRuleLibraries the synchronous parse needs no retry', async () => {
    const { load, libraries } = await freshRuleLayer();
    await libraries.preloadRuleLibraries();
    expect(load.parseRuleText(RE_RULE, 'r.yml').outcomes[0].ok).toBe(true);
    expect(load.parseRuleText(ANCHOR_RULE, 'a.yml').outcomes[0].ok).toBe(true);
  });

  it('no module validate imports at start-up imports yaml or re2js at run time', () => {
    const root = path.resolve(import.meta.dirname, '../../..');
    const reached = new Set<string>();
    const runtimePackages = new Map<string, string>();
    const walk = (file: string): void => {
      if (reached.has(file)) return;
      reached.add(file);
      const source = readFileSync(file, 'utf8');
      for (const match of source.matchAll(/^(?:import|export)\s+(?!type\b)[^;]*?from\s+'([^']+)'/gms)) {
        const specifier = match[1];
        if (specifier.startsWith('.')) walk(path.resolve(path.dirname(file), specifier.replace(/\.js$/, '.ts')));
        else if (!specifier.startsWith('node:')) runtimePackages.set(specifier, path.relative(root, file));
      }
    };
    walk(path.join(root, 'src/cli/main.ts'));
    walk(path.join(root, 'src/cli/commands/validate.ts'));
    expect(reached.has(path.join(root, 'src/rule/values/regex.ts'))).toBe(true);
    expect(Object.fromEntries(runtimePackages)).toEqual({ 'js-yaml': 'src/rule/yaml-fast.ts' });
  });
});
