/**
 * The node binary the tests of dist/ run the bundles with: RF_NODE_BIN when set (e.g. Node 24,
 * the runtime GitHub runs the action on; scripts/test.sh sets it), else the one running vitest.
 */
export const NODE_BIN = process.env.RF_NODE_BIN || process.execPath;
