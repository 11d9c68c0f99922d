// Source of one action worker, kept as a plain JavaScript string and started with `new Worker(src, { eval: true })`.
// A string (rather than a .ts/.js file next to this one) runs unchanged under ts-jest, tsx and compiled
// `node dist/...`, and coverage instrumentation cannot inject counters that would not exist in the worker.
//
// Each run gets a fresh vm context, so globals set by one action never leak into the next one. node:vm is
// not a security boundary; it only keeps well-behaved actions apart. The main thread enforces the time
// limit by terminating the whole worker, which also stops synchronous infinite loops.
//
// Messages in:  { type: 'run', id, code, main, paramsJson, clockOffset }
// Messages out: { type: 'log', id, line } while running, then exactly one { type: 'done', id, status, result, initTime }

export const WORKER_SOURCE = String.raw`
'use strict';
const { parentPort } = require('node:worker_threads');
const vm = require('node:vm');
const util = require('node:util');

const MAX_LOG_LINES = 1000;
const MAX_LOG_BYTES = 10 * 1024 * 1024;
const MAX_RESULT_BYTES = 1024 * 1024;
// Only plain (dotted) identifiers are ever evaluated as the entry point.
const ENTRY_NAME = /^[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*)*$/;

let current = null;

// A promise an earlier action forgot about must not bring the worker (and the next run) down.
process.on('unhandledRejection', function () {});

function logTimestamp(ms) {
  return new Date(ms).toISOString().slice(0, -1) + '000000Z';
}

function makeConsole(run) {
  function emit(stream) {
    return function () {
      if (current !== run || run.truncated) return;
      const message = util.format.apply(null, arguments).trim();
      const line = logTimestamp(Date.now() + run.clockOffset) + ' ' + stream + ': ' + message;
      const bytes = Buffer.byteLength(line);
      if (run.lines + 1 > MAX_LOG_LINES || run.bytes + bytes > MAX_LOG_BYTES) {
        run.truncated = true;
        const why = run.lines + 1 > MAX_LOG_LINES
          ? 'the number of lines exceeds the limit of ' + MAX_LOG_LINES + ' lines.'
          : 'the total bytes size exceeds the limit of ' + MAX_LOG_BYTES + ' bytes.';
        parentPort.postMessage({ type: 'log', id: run.id, line: 'Logs were truncated because ' + why });
        return;
      }
      run.lines += 1;
      run.bytes += bytes;
      parentPort.postMessage({ type: 'log', id: run.id, line: line });
    };
  }
  const out = emit('stdout');
  const err = emit('stderr');
  return { log: out, info: out, debug: out, dir: out, warn: err, error: err, trace: err };
}

// Timers are tracked per run and cleared when it ends, so an interval left behind by one action cannot
// fire into the next. An exception thrown from a callback is what would crash a real action container.
function makeTimers(run) {
  function guard(fn, args) {
    return function () {
      if (current !== run) return;
      try {
        fn.apply(undefined, args);
      } catch (e) {
        finish(run, 'action developer error', { error: 'The action did not produce a valid response and exited unexpectedly.' });
      }
    };
  }
  function check(fn) {
    if (typeof fn !== 'function') throw new TypeError('The "callback" argument must be of type function.');
  }
  return {
    setTimeout: function (fn, ms) {
      check(fn);
      const t = setTimeout(guard(fn, Array.prototype.slice.call(arguments, 2)), ms);
      run.timers.add(t);
      return t;
    },
    setInterval: function (fn, ms) {
      check(fn);
      const t = setInterval(guard(fn, Array.prototype.slice.call(arguments, 2)), ms);
      run.timers.add(t);
      return t;
    },
    setImmediate: function (fn) {
      check(fn);
      const t = setImmediate(guard(fn, Array.prototype.slice.call(arguments, 1)));
      run.immediates.add(t);
      return t;
    },
    clearTimeout: function (t) { run.timers.delete(t); clearTimeout(t); },
    clearInterval: function (t) { run.timers.delete(t); clearInterval(t); },
    clearImmediate: function (t) { run.immediates.delete(t); clearImmediate(t); },
  };
}

function finish(run, status, result, initTime) {
  if (run.done) return;
  run.done = true;
  for (const t of run.timers) clearTimeout(t);
  for (const t of run.immediates) clearImmediate(t);
  if (current === run) current = null;
  parentPort.postMessage({ type: 'done', id: run.id, status: status, result: result, initTime: initTime });
}

// Same shape as the serialize-error package the OpenWhisk Node.js runtime uses, minus the stack
// (it would only show emulator internals).
function serializeReason(reason) {
  if (reason === undefined || reason === null || reason === false || reason === 0 || reason === '') return {};
  if (typeof reason === 'object' && typeof reason.message === 'string' && typeof reason.name === 'string') {
    const out = { name: reason.name, message: reason.message };
    for (const k of Object.keys(reason)) if (k !== 'stack') out[k] = reason[k];
    return JSON.parse(JSON.stringify(out));
  }
  try {
    const json = JSON.stringify(reason);
    return json === undefined ? String(reason) : JSON.parse(json);
  } catch (e) {
    return String(reason);
  }
}

function settle(run, initTime, value) {
  if (value === undefined) value = {};
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    finish(run, 'action developer error', { error: 'The action did not return a dictionary.' }, initTime);
    return;
  }
  let json;
  try {
    json = JSON.stringify(value);
  } catch (e) {
    finish(run, 'action developer error', { error: 'An error has occurred: ' + String(e) }, initTime);
    return;
  }
  const size = Buffer.byteLength(json);
  if (size > MAX_RESULT_BYTES) {
    finish(run, 'action developer error', {
      error: 'The action produced a response that exceeded the allowed length: ' + size + ' > ' + MAX_RESULT_BYTES + ' bytes.',
    }, initTime);
    return;
  }
  const result = JSON.parse(json);
  if (Object.prototype.hasOwnProperty.call(result, 'error')) {
    // OpenWhisk keeps only the error field of an application error.
    finish(run, 'application error', { error: result.error }, initTime);
  } else {
    finish(run, 'success', result, initTime);
  }
}

function run(msg) {
  const run = {
    id: msg.id, clockOffset: msg.clockOffset, lines: 0, bytes: 0, truncated: false,
    timers: new Set(), immediates: new Set(), done: false,
  };
  current = run;
  const t0 = performance.now();
  const module = { exports: {} };
  const timers = makeTimers(run);
  const sandbox = {
    console: makeConsole(run),
    setTimeout: timers.setTimeout, clearTimeout: timers.clearTimeout,
    setInterval: timers.setInterval, clearInterval: timers.clearInterval,
    setImmediate: timers.setImmediate, clearImmediate: timers.clearImmediate,
    queueMicrotask: queueMicrotask, structuredClone: structuredClone,
    Buffer: Buffer, URL: URL, URLSearchParams: URLSearchParams,
    TextEncoder: TextEncoder, TextDecoder: TextDecoder, atob: atob, btoa: btoa,
    module: module, exports: module.exports,
  };
  let fn;
  let params;
  try {
    const context = vm.createContext(sandbox, { name: 'action' });
    vm.runInContext(msg.code, context, { filename: 'action.js' });
    // exports.main / module.exports.main first (CommonJS style), then whatever the name resolves to in the
    // script's scope: like the OpenWhisk runtime's "return <main>", this also finds top-level const/let.
    for (const c of [module.exports, sandbox.exports]) {
      if (c && typeof c[msg.main] === 'function') { fn = c[msg.main]; break; }
    }
    if (fn === undefined && ENTRY_NAME.test(msg.main)) {
      try {
        fn = vm.runInContext(msg.main, context);
      } catch (e) {
        fn = undefined;
      }
    }
    if (typeof fn !== 'function') throw "Action entrypoint '" + msg.main + "' is not a function.";
    // Parse in the action's own realm so that 'params instanceof Object' holds inside the action.
    params = vm.runInContext('JSON', context).parse(msg.paramsJson);
  } catch (e) {
    finish(run, 'action developer error', { error: 'Initialization has failed due to: ' + String(e) });
    return;
  }
  const initTime = Math.round(performance.now() - t0);
  let returned;
  try {
    returned = fn(params);
  } catch (e) {
    finish(run, 'action developer error', { error: 'An error has occurred: ' + String(e) }, initTime);
    return;
  }
  Promise.resolve(returned).then(
    function (value) { settle(run, initTime, value); },
    function (reason) { finish(run, 'application error', { error: serializeReason(reason) }, initTime); },
  );
}

parentPort.on('message', function (msg) {
  if (msg && msg.type === 'run') run(msg);
});
`;
