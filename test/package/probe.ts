// Bundled by test/package/package.test.ts with the app bundle's own esbuild options and written beside it in an
// unpacked package, so `import.meta.url` and module resolution are those of the deployed bundle. It runs what a
// timer tick does before it reaches Azure (settings, rules, ATT&CK enrichment, the window's KQL through the Kusto
// parser) and prints what it found as one JSON line.
import { loadHuntRules } from '../../src/hunt/clients.js';
import { windowQuery } from '../../src/hunt/query-plan.js';
import { setUpHuntTimer } from '../../src/hunt/timer.js';
import { kustoScriptSpecifiers } from '../../src/kql/kusto-scripts.js';

const setup = setUpHuntTimer(process.env);
if (!setup.ok) {
  process.stdout.write(`${JSON.stringify({ setupError: setup.error.problems })}\n`);
} else {
  const warnings: string[] = [];
  const loaded = await loadHuntRules(
    { rulesPath: setup.config.rulesPath, target: setup.config.target },
    { info: () => {}, warn: (message) => void warnings.push(message), error: (message) => void warnings.push(message) },
  );
  const first = loaded.rules[0];
  const query = first
    ? windowQuery(first.query.template, {
        ingestionFrom: '2025-11-03T10:00:00.0000000Z',
        ingestionTo: '2025-11-03T10:05:00.0000000Z',
        timeFrom: '2025-11-03T09:00:00.0000000Z',
        timeTo: '2025-11-03T10:05:00.0000000Z',
        firstRun: false,
        ingestionDelayMs: 300_000,
        clockSkewMs: 0,
      })
    : undefined;
  process.stdout.write(
    `${JSON.stringify({
      environment: setup.config.environment,
      rulesPath: setup.config.rulesPath,
      ruleIds: loaded.rules.map((rule) => rule.ruleId),
      skipped: loaded.skipped,
      warnings,
      attackVersion: first?.enrichment.attack.attackVersion,
      techniques: first?.enrichment.attack.techniques.map((technique) => technique.id),
      query,
      kustoScripts: kustoScriptSpecifiers(import.meta.url),
    })}\n`,
  );
}
