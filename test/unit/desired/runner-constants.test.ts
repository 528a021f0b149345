// src/sh/runner.sh writes the host paths and tags as literals (shellcheck reads a real file);
// the TypeScript constants are what the rest of the tool uses: they must agree.
import { describe, expect, it } from 'vitest';
import * as c from '../../../src/desired/runner-script.js';
import { DEFAULT_DUMP_TIMEOUT, DEFAULT_HOOK_TIMEOUT } from '../../../src/inventory/set-types.js';

describe('runner script: literals equal the TypeScript constants', () => {
  it.each([
    ['RESTIC_REPOSITORY_FILE', c.REPOSITORY_FILE],
    ['RESTIC_PASSWORD_FILE', c.PASSWORD_FILE],
    ['RESTIC_CACHE_DIR', c.CACHE_DIR],
    ['STATUS_DIR', c.STATUS_DIR],
    ['LOG_DIR', c.LOG_DIR],
    ['CRON_FILE', c.CRON_FILE],
  ])('%s=%s', (name, value) => {
    expect(c.RUNNER_SCRIPT).toMatch(new RegExp(`^(export )?${name}=${value}$`, 'm'));
  });

  it('defaults the hook and dump timeouts as the inventory documents them', () => {
    expect(c.RUNNER_SCRIPT).toMatch(new RegExp(` DUMP_TIMEOUT=${DEFAULT_DUMP_TIMEOUT} `));
    expect(c.RUNNER_SCRIPT).toMatch(new RegExp(` HOOK_TIMEOUT=${DEFAULT_HOOK_TIMEOUT} `));
  });

  it('uses the verified-file path and the tags', () => {
    expect(c.RUNNER_SCRIPT).toContain(c.VERIFIED_FILE);
    expect(c.RUNNER_SCRIPT).toContain(c.SET_TAG_PREFIX);
    expect(c.RUNNER_SCRIPT).toContain(c.PRE_RESTORE_TAG);
    expect(c.RUNNER_SCRIPT).toContain(c.KEEP_UNTIL_TAG_PREFIX);
  });

  it('starts with its shebang (cron executes the file)', () => {
    expect(c.RUNNER_SCRIPT.startsWith('#!/bin/sh\n# restic-fleet runner')).toBe(true);
  });
});
