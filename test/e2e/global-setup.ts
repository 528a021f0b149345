// Vitest globalSetup of the e2e suite: one lab for every e2e file (RF_LAB_CLIENTS clients,
// default 10: one test needs ten clients sharing a repository), torn down at the end unless
// RF_LAB_KEEP=1. Tests find it through the state dir (RF_LAB_DIR, inherited by the workers).
import { stateDir } from '../../lab/config.js';
import { checkHealth, down, reset, up } from '../../lab/lifecycle.js';
import { withLabLock } from '../../lab/lock.js';
import { log } from '../../lab/run.js';
import { readState } from '../../lab/state.js';

export default async function setup(): Promise<() => Promise<void>> {
  const clients = Number(process.env.RF_LAB_CLIENTS ?? 10);
  const keep = process.env.RF_LAB_KEEP === '1';
  process.env.RF_LAB_DIR = stateDir();

  await withLabLock(async () => {
    const existing = readState();
    if (existing && (await checkHealth(existing)).healthy && existing.clients === clients) {
      log(`e2e: reusing the running lab (${clients} clients); resetting it to its fresh state`);
      await reset();
    } else {
      if (existing && existing.clients !== clients) {
        log(`e2e: the lab has ${existing.clients} clients, the suite wants ${clients}: recreating it`);
        await down();
      }
      await up({ clients });
    }
  });

  return async () => {
    if (keep) log(`e2e: RF_LAB_KEEP=1, leaving the lab up (state in ${stateDir()}; \`npm run lab -- down\` removes it)`);
    else await down();
  };
}
