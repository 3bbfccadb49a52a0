#!/usr/bin/env node
// Entry point of the `coffer` command. `coffer controller ...` and `coffer ctl ...` are the
// controller's (@coffer/controller); everything else, `coffer agent ...` included, is the
// agent-side CLI (@coffer/agent). The two packages never import each other.
// grpc-js dials controllers given by IP address with that address as TLS server name, and Node
// warns about it (DEP0123) on every connection: harmless (certificates carry IP SANs), so dropped.
const emitWarning = process.emitWarning.bind(process);
process.emitWarning = (warning, ...rest) => {
  const code = typeof rest[0] === 'object' ? rest[0]?.code : rest[1];
  if (code === 'DEP0123') return;
  emitWarning(warning, ...rest);
};
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
// A fatal error was printed: nothing left open (sessions, jump connections, retry timers,
// a ProxyCommand) may keep the process alive after it (issue 11 §3).
if (code !== 0) process.exit(code);
process.exitCode = code;
