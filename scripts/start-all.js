#!/usr/bin/env node
// `npm start`: the production entry. Runs the API and one worker as child processes, passes
// SIGINT/SIGTERM on so both shut down gracefully, and exits when either dies.
const { spawn } = require('child_process');
const { join } = require('path');

const dist = join(__dirname, '..', 'dist', 'apps');
// The API's young generation is enlarged: a 50,000-row stats request makes a lot of short-lived
// objects, and fewer scavenges is about 5% more ingestion throughput.
const API_NODE_FLAGS = ['--max-semi-space-size=32'];
// The worker's too: an optimization run of a 1,000-keyword plan allocates its rows, states and
// audit lines and drops them; with the default young generation the hour spent a sixth of its
// time in the garbage collector.
const WORKER_NODE_FLAGS = ['--max-semi-space-size=32'];
const children = [
  spawn(process.execPath, [...API_NODE_FLAGS, join(dist, 'api', 'src', 'main.js')], { stdio: 'inherit' }),
  spawn(process.execPath, [...WORKER_NODE_FLAGS, join(dist, 'worker', 'src', 'main.js')], { stdio: 'inherit' }),
];
let stopping = false;
function stop(signal) {
  if (stopping) return;
  stopping = true;
  for (const c of children) if (c.exitCode === null) c.kill(signal);
}
process.on('SIGINT', () => stop('SIGINT'));
process.on('SIGTERM', () => stop('SIGTERM'));
let alive = children.length;
for (const c of children) {
  c.on('exit', (code, signal) => {
    alive -= 1;
    if (!stopping) {
      console.error(`[start] a process exited (${signal ?? code}); stopping the other`);
      process.exitCode = code || 1;
      stop('SIGTERM');
    }
    if (alive === 0) process.exit(process.exitCode ?? 0);
  });
}
