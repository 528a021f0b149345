import * as core from '@actions/core';
import type { Logger } from '../engine/logger.js';
import { redact } from '../secret.js';

/** Engine output in the job log: masked by the runner and redacted by us (the second guard). */
export const actionLogger: Logger = {
  info: (m) => core.info(redact(m)),
  warn: (m) => core.warning(redact(m)),
  error: (m) => core.error(redact(m)),
  group: (title, lines) => {
    core.startGroup(redact(title));
    for (const l of lines) core.info(redact(l));
    core.endGroup();
  },
};
