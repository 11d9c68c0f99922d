// Source of one action worker, kept as a plain JavaScript string and started with `new Worker(src, { eval: true })`.
// A string (rather than a .ts/.js file next to this one) runs unchanged under ts-jest, tsx and compiled
// `node dist/...`, and coverage instrumentation cannot inject counters that would not exist in the worker.
//
// Each run gets a fresh vm context, so globals set by one action never leak into the next one. node:vm is
// not a security boundary; it only keeps well-behaved actions apart. The main thread enforces the time
// limit by terminating the whole worker, which also stops synchronous infinite loops.
//
// Messages in:  { type: 'run', id, code, main, paramsJson, clockOffset }
// Messages out: { type: 'log', id, line } while running,
//               then exactly one { type: 'done', id, status, resultJson, initTime }
//
// Only strings and numbers cross the thread boundary. Structured clone recurses, and the main thread's
// deserializer runs out of stack on a value nested about 2,000 levels deep (the worker's larger stack
// serializes it fine, so the message is then silently dropped as a 'messageerror'); a JSON string is
// flat to clone and JSON.parse does not recurse.

export const WORKER_SOURCE = String.raw`
'use strict';
const { parentPort } = require('node:worker_threads');
const vm = require('node:vm');
const util = require('node:util');

const MAX_LOG_LINES = 1000;
const MAX_LOG_BYTES = 10 * 1024 * 1024;
const MAX_RESULT_BYTES = 1024 * 1024;
// Same limit as MAX_JSON_DEPTH in validate.ts (spray-json's maxDepth, which OpenWhisk's invoker parses the
// runtime's answer with). A deeper result is, to OpenWhisk, a run response that is not valid JSON.
const MAX_JSON_DEPTH = 1000;
// Messages.invalidRunResponse; OpenWhisk appends the output itself, which is left out here because that
// output is exactly what could not be handled.
const INVALID_JSON_RESPONSE = 'The action did not produce a valid JSON response.';
// Only plain (dotted) identifiers are ever evaluated as the entry point.
const ENTRY_NAME = /^[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*)*$/;

let current = null;

// A promise an earlier action forgot about must not bring the worker (and the next run) down.
process.on('unhandledRejection', function () {});

// Text of anything an action throws or rejects with; String() itself throws for some values
// (Object.create(null), an object whose toString throws).
function safeString(value) {
  try {
    return String(value);
  } catch (e) {
    return Object.prototype.toString.call(value);
  }
}

// A loop, not a recursive walk: see jsonNestsDeeperThan in validate.ts.
function nestsTooDeep(text) {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i += 1;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x7b || c === 0x5b) {
      depth += 1;
      if (depth > MAX_JSON_DEPTH) return true;
    } else if (c === 0x7d || c === 0x5d) {
      depth -= 1;
    }
  }
  return false;
}

const isStackOverflow = (e) => e instanceof RangeError && /call stack/i.test(String(e.message));

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
        finish(run, 'action developer error', {
          error: 'The action did not produce a valid response and exited unexpectedly.',
        });
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

// The one place a run's outcome leaves the worker. Whatever result it is given is encoded here, so an
// error value built from what the action threw (serializeReason) gets the same depth and size checks as a
// returned result; 'json' skips the encoding when the caller has just produced it.
function finish(run, status, result, initTime, json) {
  if (run.done) return;
  run.done = true;
  for (const t of run.timers) clearTimeout(t);
  for (const t of run.immediates) clearImmediate(t);
  if (current === run) current = null;
  let resultJson = json;
  if (resultJson === undefined) {
    try {
      resultJson = JSON.stringify(result);
    } catch (e) {
      resultJson = undefined;
    }
    if (typeof resultJson !== 'string' || nestsTooDeep(resultJson)) {
      status = 'action developer error';
      resultJson = JSON.stringify({ error: INVALID_JSON_RESPONSE });
    } else if (Buffer.byteLength(resultJson) > MAX_RESULT_BYTES) {
      status = 'action developer error';
      resultJson = JSON.stringify({ error: tooLong(Buffer.byteLength(resultJson)) });
    }
  }
  parentPort.postMessage({ type: 'done', id: run.id, status: status, resultJson: resultJson, initTime: initTime });
}

function tooLong(size) {
  return (
    'The action produced a response that exceeded the allowed length: ' + size + ' > ' + MAX_RESULT_BYTES + ' bytes.'
  );
}

// Same shape as the serialize-error package the OpenWhisk Node.js runtime uses, minus the stack
// (it would only show emulator internals). Throws only for a reason nested too deep to encode, which the
// caller records the way finish() records any result nested too deep.
function serializeReason(reason) {
  if (reason === undefined || reason === null || reason === false || reason === 0 || reason === '') return {};
  try {
    if (typeof reason === 'object' && typeof reason.message === 'string' && typeof reason.name === 'string') {
      const out = { name: reason.name, message: reason.message };
      for (const k of Object.keys(reason)) if (k !== 'stack') out[k] = reason[k];
      return JSON.parse(JSON.stringify(out));
    }
    const json = JSON.stringify(reason);
    return json === undefined ? safeString(reason) : JSON.parse(json);
  } catch (e) {
    if (isStackOverflow(e)) throw e;
    // Circular, BigInt, a throwing getter or toJSON: keep the text only.
    return safeString(reason);
  }
}

function settle(run, initTime, value) {
  try {
    settleValue(run, initTime, value);
  } catch (e) {
    // A Proxy or getter in the returned value can throw anywhere in here.
    finish(run, 'action developer error', { error: 'An error has occurred: ' + safeString(e) }, initTime);
  }
}

function settleValue(run, initTime, value) {
  if (value === undefined) value = {};
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    finish(run, 'action developer error', { error: 'The action did not return a dictionary.' }, initTime);
    return;
  }
  let json;
  try {
    json = JSON.stringify(value);
  } catch (e) {
    // Too deep for this thread's stack is too deep for OpenWhisk's parser as well (see MAX_JSON_DEPTH).
    const error = isStackOverflow(e) ? INVALID_JSON_RESPONSE : 'An error has occurred: ' + safeString(e);
    finish(run, 'action developer error', { error: error }, initTime);
    return;
  }
  if (nestsTooDeep(json)) {
    finish(run, 'action developer error', { error: INVALID_JSON_RESPONSE }, initTime);
    return;
  }
  const size = Buffer.byteLength(json);
  if (size > MAX_RESULT_BYTES) {
    finish(run, 'action developer error', { error: tooLong(size) }, initTime);
    return;
  }
  const result = JSON.parse(json);
  if (Object.prototype.hasOwnProperty.call(result, 'error')) {
    // OpenWhisk keeps only the error field of an application error.
    finish(run, 'application error', { error: result.error }, initTime);
  } else {
    finish(run, 'success', result, initTime, json);
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
    finish(run, 'action developer error', { error: 'Initialization has failed due to: ' + safeString(e) });
    return;
  }
  const initTime = Math.round(performance.now() - t0);
  let returned;
  try {
    returned = fn(params);
  } catch (e) {
    finish(run, 'action developer error', { error: 'An error has occurred: ' + safeString(e) }, initTime);
    return;
  }
  Promise.resolve(returned).then(
    function (value) { settle(run, initTime, value); },
    function (reason) {
      let error;
      try {
        error = serializeReason(reason);
      } catch (e) {
        finish(run, 'action developer error', { error: INVALID_JSON_RESPONSE }, initTime);
        return;
      }
      finish(run, 'application error', { error: error }, initTime);
    },
  );
}

parentPort.on('message', function (msg) {
  if (!msg || msg.type !== 'run') return;
  try {
    run(msg);
  } catch (e) {
    // Nothing above should throw; if something does, the run still ends with an answer instead of taking
    // the worker down with it.
    const error = { error: 'The emulator failed to run the action.' };
    if (current && current.id === msg.id) {
      finish(current, 'whisk internal error', error);
    } else {
      // The main thread ignores a 'done' for a run it has already settled, so a second one is harmless.
      parentPort.postMessage({
        type: 'done',
        id: msg.id,
        status: 'whisk internal error',
        resultJson: JSON.stringify(error),
      });
    }
  }
});
`;
