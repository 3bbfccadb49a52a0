#!/usr/bin/env node
// Entry point of the `coffer` command. `coffer controller ...` and `coffer ctl ...` are the
// controller's (@coffer/controller); everything else, `coffer agent ...` included, is the
// agent-side CLI (@coffer/agent). The two packages never import each other.
const argv = process.argv.slice(2);
const first = argv.find((a) => !a.startsWith('-'));
let code;
if (first === 'controller' || first === 'ctl') {
  const { controllerMain } = await import('@coffer/controller/cli/main.js');
  code = await controllerMain(argv);
} else {
  const { main } = await import('@coffer/agent/cli/main.js');
  code = await main(argv);
}
process.exitCode = code;
