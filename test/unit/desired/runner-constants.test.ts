// src/sh/runner.sh writes the host paths and tags as literals (shellcheck reads a real file);
// the TypeScript constants are what the rest of the tool uses: they must agree.
import { describe, expect, it } from 'vitest';
import * as c from '../../../src/desired/runner-script.js';

describe('runner script: literals equal the TypeScript constants', () => {
  it.each([
    ['RESTIC_REPOSITORY_FILE', c.REPOSITORY_FILE],
    ['RESTIC_PASSWORD_FILE', c.PASSWORD_FILE],
    ['RESTIC_CACHE_DIR', c.CACHE_DIR],
    ['STATUS_DIR', c.STATUS_DIR],
    ['LOG_DIR', c.LOG_DIR],
  ])('%s=%s', (name, value) => {
    expect(c.RUNNER_SCRIPT).toMatch(new RegExp(`^(export )?${name}=${value}$`, 'm'));
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
