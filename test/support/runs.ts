/** How many cases a fast-check property tries: the count written, or under mutation testing, where every mutant
 *  reruns the properties that cover it, a tenth of it but no fewer than 300 (stryker.config.mjs sets
 *  SIGMA_HUNT_MUTATION for its test runners). */
export function propertyRuns(runs: number): number {
  return process.env.SIGMA_HUNT_MUTATION === '1' ? Math.max(Math.min(runs, 300), Math.ceil(runs / 10)) : runs;
}
