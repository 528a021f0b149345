// One hostile input: a small edit of the seed inventory (test/fixtures/inventories/seed),
// run through every door (the action's validate and offline plan, the CLI's validate) by
// hostile.test.ts. Shared by every file of cases (cases-*.ts).

export interface HostileCase {
  name: string;
  /** Relative to the inventory dir of a temp copy of the seed inventory: new content, or null to delete. */
  files?: Record<string, string | null>;
  /** Symlinks, FIFOs, big files: made after `files`. */
  setup?: (p: { workspace: string; inventory: string }) => void;
  /** Added to the step's environment (the canary secrets are always there). */
  env?: Record<string, string>;
  expect: {
    exit: 0 | 1;
    /** Relative to the inventory dir: where the bad value is (an annotation / `file:line:col` must name it). */
    file?: string;
    line?: number;
    /** Text every door's output must contain (decoded annotations included). */
    mentions?: string[];
  };
}
