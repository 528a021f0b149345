import * as core from '@actions/core';

/** The GitHub Action door: reads inputs, calls the engine, reports. */
export async function run(): Promise<void> {
  core.setFailed('not implemented yet');
}
