import type { Logger } from '../engine/logger.js';
import * as log from './log.js';

/** Engine output in the job log, through the action's one output channel (./log.ts). */
export const actionLogger: Logger = {
  info: (m) => log.info(m),
  warn: (m) => log.warning(m),
  error: (m) => log.error(m),
  group: (title, lines) => log.group(title, lines),
};
