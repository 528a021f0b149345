import { parseEnv } from 'node:util';

/**
 * A dotenv file, parsed by Node's own parser: KEY=VALUE lines, an optional `export `,
 * comments (a `#` outside quotes starts one, so a value holding `#` must be quoted),
 * quotes stripped, double-quoted `\n` and multi-line values as dotenv reads them.
 */
export function parseEnvFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(parseEnv(text))) if (v !== undefined) out[k] = v;
  return out;
}
