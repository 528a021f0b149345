import type { RestoreReport } from '../results/types.js';
import type { JobStatus, ResticSnapshot } from './types.js';

export interface ReportBase {
  host: string;
  setId: string;
  snapshot: ResticSnapshot;
  target: string; // 'in-place' or the path
  durationMs: number;
}

const base = (b: ReportBase): Pick<RestoreReport, 'host' | 'setId' | 'snapshot' | 'target' | 'durationMs'> => ({
  host: b.host,
  setId: b.setId,
  snapshot: { id: b.snapshot.id, shortId: b.snapshot.short_id, time: b.snapshot.time },
  target: b.target,
  durationMs: b.durationMs,
});

/** The final report of a job, from its status file. A container left stopped makes it a failure. */
export function reportFromStatus(b: ReportBase, st: JobStatus, notes: string[] = []): RestoreReport {
  const notStarted = st.stopped.filter((c) => !st.started.includes(c));
  const ok = st.outcome === 'restored' && notStarted.length === 0;
  const parts = [
    st.message,
    notStarted.length && st.outcome === 'restored' ? `restored, but container(s) ${notStarted.join(', ')} are not running again` : '',
    st.outcome === 'failed' && st.volumeState ? `volume: ${st.volumeState}` : '',
    st.recovered ? `recovery: ${st.recovered}` : '',
    ...notes,
  ].filter(Boolean);
  return {
    ...base(b),
    dryRun: false,
    outcome: ok ? 'restored' : 'failed',
    message: parts.length ? parts.join('. ') : undefined,
    files: st.files,
    bytes: st.bytes,
    safetySnapshotId: st.safety,
    verification: st.verification,
    containersStopped: st.stopped,
    containersStarted: st.started,
  };
}

/** What a dry-run found: everything resolved and checked, nothing stopped. */
export function plannedReport(b: ReportBase, plan: { mountpoint?: string; running: string[]; keepUntil: string; targetPath?: string }): RestoreReport {
  const snap = `snapshot ${b.snapshot.short_id} (${b.snapshot.time}, ${b.snapshot.paths[0]})`;
  const steps = b.target === 'in-place'
    ? [
        plan.mountpoint ? '' : 'create the missing volume',
        plan.running.length ? `stop container(s) ${plan.running.join(', ')}` : 'stop no container (none running uses the volume)',
        plan.mountpoint ? `take a safety snapshot of ${plan.mountpoint} (kept until ${plan.keepUntil})` : '',
        `restore ${snap} into a staging directory and verify it`,
        `swap it in as the volume's exact contents`,
        plan.running.length ? `start ${plan.running.join(', ')} again` : '',
      ]
    : [`restore ${snap} under ${plan.targetPath} and verify it; the live volume and its containers are not touched`];
  return {
    ...base(b),
    dryRun: true,
    outcome: 'planned',
    message: `dry-run: would ${steps.filter(Boolean).join(', ')}`,
    containersStopped: [],
    containersStarted: [],
  };
}
