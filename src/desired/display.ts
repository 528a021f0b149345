import { isSecret } from '../secret.js';
import type { DesiredHost } from './types.js';

/**
 * Desired state as people read it (`restic-fleet render`): secrets as ***, modes in
 * octal, and no hash of a secret file's content (a hash of a short password can be
 * brute-forced; the plan compares them without ever showing them).
 */
export function renderDesired(hosts: DesiredHost[]): string {
  return JSON.stringify(
    hosts,
    function (this: Record<string, unknown>, key: string, value: unknown) {
      if (key === 'sha256' && isSecret(this.content)) return undefined;
      // The cron file's content shows these jobs already, as they land on the host.
      if (key === 'cron' && Array.isArray(value)) return undefined;
      if (key === 'mode' && typeof value === 'number') return value.toString(8).padStart(4, '0');
      return value;
    },
    2,
  );
}
