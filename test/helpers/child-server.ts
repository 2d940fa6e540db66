/**
 * Runs a test hub in its own process, so that a test can watch the hub's memory alone (`/v1/stats`).
 * Started by {@link startChildServer}: options come as JSON in argv[2]; the base URL is printed as one
 * line; the process exits when its stdin closes (so it never outlives the test run).
 */
import type { HeraldInit } from '@herald/server';
import { startTestServer } from './server.ts';

const options = JSON.parse(process.argv[2] ?? '{}') as Partial<HeraldInit>;
const server = await startTestServer(options);
process.stdout.write(`${server.url}\n`);
process.stdin.resume();
process.stdin.on('end', () => {
  server.close().then(() => process.exit(0));
});
