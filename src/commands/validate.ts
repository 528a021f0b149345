import { renderDesired } from '../desired/display.js';
import { loadDesired, type LoadedDesired } from '../engine/load.js';
import type { InventoryOptions } from '../engine/options.js';
import type { Diagnostic } from '../inventory/types.js';

/** `validate`: loads and checks the inventory; throws InventoryError with every problem found. */
export async function validateCommand(o: InventoryOptions): Promise<LoadedDesired> {
  return loadDesired(o);
}

/** `render` (CLI): the desired state as JSON, secrets as `***` (Secret.toJSON). */
export async function renderCommand(o: InventoryOptions): Promise<{ diagnostics: Diagnostic[]; json: string }> {
  const loaded = await loadDesired(o);
  return { diagnostics: loaded.diagnostics, json: renderDesired(loaded.desired) };
}
