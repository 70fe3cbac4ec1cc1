// node test/support/mutation-score.mjs [reports/mutation/mutation.json]: per mutated file, the mutants killed,
// timed out, survived, without coverage and ignored (static), and the score counting only mutants that are not
// listed as equivalent in stryker.equivalent.md (lines `- path:line:column Mutator: reason`).
import { readFileSync } from 'node:fs';

const report = JSON.parse(readFileSync(process.argv[2] ?? 'reports/mutation/mutation.json', 'utf8'));
const equivalent = new Set(
  readFileSync('stryker.equivalent.md', 'utf8')
    .split('\n')
    .map((line) => /^- (\S+:\d+:\d+ \w+):/.exec(line)?.[1])
    .filter(Boolean),
);
const rows = [];
const total = { killed: 0, timeout: 0, survived: 0, noCoverage: 0, ignored: 0, equivalent: 0 };
const open = [];
for (const [file, { mutants }] of Object.entries(report.files)) {
  const row = { file, killed: 0, timeout: 0, survived: 0, noCoverage: 0, ignored: 0, equivalent: 0 };
  for (const mutant of mutants) {
    const key = `${file}:${mutant.location.start.line}:${mutant.location.start.column} ${mutant.mutatorName}`;
    const status = { Killed: 'killed', Timeout: 'timeout', Survived: 'survived', NoCoverage: 'noCoverage', Ignored: 'ignored' }[mutant.status] ?? 'killed';
    if ((status === 'survived' || status === 'noCoverage') && equivalent.has(key)) row.equivalent++;
    else {
      row[status]++;
      if (status === 'survived' || status === 'noCoverage') open.push(`${key} ${mutant.status} ${JSON.stringify(mutant.replacement ?? '').slice(0, 90)}`);
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
