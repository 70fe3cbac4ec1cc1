// node test/support/mutation-score.mjs [reports/mutation/mutation.json]: per mutated file, the mutants killed,
// timed out, survived, without coverage and ignored (static), and the score counting only mutants that are not
// listed as equivalent in stryker.equivalent.md (lines `- path:line:column[-endLine:endColumn] Mutator: reason`).
import { readFileSync } from 'node:fs';

const report = JSON.parse(readFileSync(process.argv[2] ?? 'reports/mutation/mutation.json', 'utf8'));
// An entry may name the mutated span's end (`path:line:column-endLine:endColumn Mutator`): Stryker makes several
// mutants of one mutator at one start (`a && b && c` → true: the whole test, `a && b`, and `a`), and an entry
// without the end would count all of them as equivalent.
const entries = readFileSync('stryker.equivalent.md', 'utf8')
  .split('\n')
  .map((line) => /^- (\S+:\d+:\d+)(-\d+:\d+)? (\w+):/.exec(line))
  .filter(Boolean);
const equivalent = new Set(entries.filter((m) => !m[2]).map((m) => `${m[1]} ${m[3]}`));
const equivalentSpans = new Set(entries.filter((m) => m[2]).map((m) => `${m[1]}${m[2]} ${m[3]}`));
const rows = [];
const total = { killed: 0, timeout: 0, survived: 0, noCoverage: 0, ignored: 0, equivalent: 0 };
const open = [];
for (const [file, { mutants }] of Object.entries(report.files)) {
  const row = { file, killed: 0, timeout: 0, survived: 0, noCoverage: 0, ignored: 0, equivalent: 0 };
  for (const mutant of mutants) {
    const { start, end } = mutant.location;
    const key = `${file}:${start.line}:${start.column} ${mutant.mutatorName}`;
    const spanKey = `${file}:${start.line}:${start.column}-${end.line}:${end.column} ${mutant.mutatorName}`;
    const status = { Killed: 'killed', Timeout: 'timeout', Survived: 'survived', NoCoverage: 'noCoverage', Ignored: 'ignored' }[mutant.status] ?? 'killed';
    // A listed mutant that timed out is counted as equivalent too: on a loaded machine a mutant that only takes a
    // slower path (a fast path switched off) can exceed its time limit without changing any verdict.
    if ((status === 'survived' || status === 'noCoverage' || status === 'timeout') && (equivalent.has(key) || equivalentSpans.has(spanKey))) row.equivalent++;
    else {
      row[status]++;
      if (status === 'survived' || status === 'noCoverage') open.push(`${spanKey} ${mutant.status} ${JSON.stringify(mutant.replacement ?? '').slice(0, 90)}`);
    }
  }
  rows.push(row);
  for (const k of Object.keys(total)) total[k] += row[k];
}
const score = (r) => (100 * (r.killed + r.timeout)) / (r.killed + r.timeout + r.survived + r.noCoverage);
console.log('file | killed | timeout | survived | no coverage | equivalent | ignored (static) | score without equivalents');
for (const r of [...rows, { file: 'all', ...total }]) {
  console.log(`${r.file} | ${r.killed} | ${r.timeout} | ${r.survived} | ${r.noCoverage} | ${r.equivalent} | ${r.ignored} | ${score(r).toFixed(2)}%`);
}
if (process.argv.includes('--open')) for (const line of open) console.log(line);
