/**
 * parent-watch: preloaded into each gateway process the benchmark starts (`node --require`), so the
 * gateway exits within a second when bench/run.ts is gone, even killed with SIGKILL (which leaves it no
 * chance to stop its children). The other children exit when their IPC channel closes. One unref'd
 * timer a second: nothing the benchmark measures.
 */
const parent = process.ppid;
setInterval(() => {
  if (process.ppid !== parent) process.exit(1);
}, 1000).unref();

export {};
