// Scenario "memory" (issue 6's C): idle connections only; the session already measured
// RSS before and after each transport's connections, so there is nothing to publish.
import type { WindowResult } from '../lib/results.ts';

export async function memoryScenario(): Promise<WindowResult[]> {
  return [];
}
