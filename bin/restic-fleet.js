#!/usr/bin/env node
// The CLI, from the committed bundle (same engine as the action).
require('../dist/cli/index.js');
