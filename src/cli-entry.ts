// The CLI's entry point (bundled to dist/cli/index.js).
import { err } from './cli-output.js';
import { runCli } from './cli.js';

runCli(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    err(e instanceof Error ? e.message : String(e));
    process.exit(2);
  },
);
