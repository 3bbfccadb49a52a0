#!/usr/bin/env node
// Entry point of the `coffer` command. Controller commands (later) live in @coffer/controller;
// everything else is the agent-side CLI.
import { main } from '@coffer/agent/cli/main.js';

const code = await main(process.argv.slice(2));
process.exitCode = code;
