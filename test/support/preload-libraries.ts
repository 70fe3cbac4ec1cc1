// Tests call the synchronous rule parser and the matcher directly (parseRuleText, compileRe2); the product loads
// the `yaml` and `re2js` libraries on first need from its async entry points (src/rule/libraries.ts), so tests
// load them once up front, as a synchronous caller must.
import { preloadRuleLibraries } from '../../src/rule/libraries.js';

await preloadRuleLibraries();
