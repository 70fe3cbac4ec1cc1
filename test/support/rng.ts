// The seeded generator of the chaos run, shared by the tests' synthetic data.
export { createRng } from '../../src/fanout/chaos/rng.js';
