import type { HostConfig } from './config.js';
import { dedupeDiagnostics, errorsOf } from './diagnostics.js';
import { loadInventoryCollecting } from './loader.js';
import { validateHosts } from './validate.js';
import { InventoryError, type Diagnostic, type LoadedInventory, type LoadOptions } from './types.js';

export { loadInventory, loadInventoryCollecting, isRelevantVar } from './loader.js';
export { validateHosts, validateHost, staggeredMinute } from './validate.js';
export { KNOWN_RESTIC_VARS, SET_TYPES } from './schema.js';
export { decryptVault, isVaultText, VaultError } from './vault.js';
export { parseTemplate } from './template.js';
export { InventoryError, formatDiagnostic } from './types.js';
export type { Diagnostic, HostVars, LoadedInventory, LoadOptions, SourcePos, VarValue } from './types.js';
export type * from './config.js';

/**
 * Loads and validates an inventory. Throws InventoryError carrying every
 * problem (loader and schema errors together, plus warnings) when any error
 * exists; otherwise returns the hosts and the warnings.
 */
export async function loadConfig(
  opts: LoadOptions,
): Promise<{ inventory: LoadedInventory; hosts: HostConfig[]; diagnostics: Diagnostic[] }> {
  const loaded = await loadInventoryCollecting(opts);
  const validated = validateHosts(loaded.inventory);
  const diagnostics = dedupeDiagnostics([...loaded.diagnostics, ...validated.diagnostics]);
  if (errorsOf(diagnostics).length) throw new InventoryError(diagnostics);
  return { inventory: loaded.inventory, hosts: validated.hosts, diagnostics };
}
