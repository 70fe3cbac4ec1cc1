// The fake lives in src/local so `npm start` can use it without vitest; tests import it from here.
export * from '../../src/local/log-analytics-fake.js';
