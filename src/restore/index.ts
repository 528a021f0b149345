/** Restore of a backup set (issue 6): what the CLI and the action call. */
export { restoreCommand, type RestoreRunOptions } from './command.js';
export { RestoreRefused, RESTORE_DIR, type RestoreRequest } from './types.js';
