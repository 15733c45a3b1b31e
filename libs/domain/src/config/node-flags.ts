/**
 * Node flags of the two processes, as `npm start` (scripts/start-all.js, package.json's
 * start:api / start:worker) runs them; the demo and the benchmarks start them the same way.
 * - API: a 50,000-row stats request makes many short-lived objects; a larger young generation
 *   scavenges less (about 5% more ingestion throughput).
 * - Worker: an optimization run of a 1,000-keyword plan allocates its rows, states, explanations
 *   and audit lines and drops them; with the default young generation the 1M-keyword hour spent a
 *   sixth of the worker's time collecting garbage, with 128 MB semi-spaces about a tenth.
 */
export const API_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=32'];
export const WORKER_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=128'];
