// Runs the jco-transpiled wasi:sockets probe on Node with @bytecodealliance/preview2-shim.
//
//   node [--experimental-wasm-extended-const] probe-runner.mjs --component DIR/probe.js
//        [--deny] [--markers] (--batch BATCH.json | SCRIPT.json...)
//
// The transpile must use `--instantiation async`: every script gets a fresh instance of the
// component (core modules are compiled once per process) with its own WASIShim, whose sandbox
// carries the script in WASMNET_SCRIPT and, with --deny, an instance-local network with TCP, UDP
// and name lookup denied (preview2-shim createSockets({enableNetwork: false})).
// BATCH.json is a JSON array of script texts (strings, passed through unchanged).
// With --markers, each script's probe output is framed by
//   {"wasmnet-runner": "start", "n": N, "id": ID}  and
//   {"wasmnet-runner": "end", "n": N, "id": ID, "exit_code": 0|1, "error": TEXT|null}
// on stdout (and "##wasmnet-runner start|end N" lines on stderr), so the suite can split one
// process's output per script and tell a trap (the call threw) from a clean return.
// This file is copied into the suite's cache next to node_modules (wasmnet_conformance/sockets).
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { WASIShim } from "@bytecodealliance/preview2-shim/instantiation";

function usage(msg) {
  process.stderr.write(`probe-runner: ${msg}\n`);
  process.exit(2);
}

const argv = process.argv.slice(2);
let component = null;
let batch = null;
let deny = false;
let markers = false;
const files = [];
for (let i = 0; i < argv.length; i++) {
  const a = argv[i];
  if (a === "--component") component = argv[++i];
  else if (a === "--batch") batch = argv[++i];
  else if (a === "--deny") deny = true;
  else if (a === "--markers") markers = true;
  else if (a.startsWith("--")) usage(`unknown option ${a}`);
  else files.push(a);
}
if (!component) usage("--component is required");

// Pipes are asynchronous on some platforms; the probe's lines must be out before a hang or kill.
for (const s of [process.stdout, process.stderr]) {
  if (s._handle && typeof s._handle.setBlocking === "function") s._handle.setBlocking(true);
}

const scripts = [];
if (batch) {
  const list = JSON.parse(readFileSync(batch, "utf8"));
  if (!Array.isArray(list)) usage("--batch file must hold a JSON array");
  // Each element is a script's JSON text, handed to the probe unchanged: a JSON.parse /
  // JSON.stringify round trip would turn u64 values above 2^53 into doubles (2^64-1 ->
  // 18446744073709552000). An object element (older suites) is re-serialised as before.
  for (const s of list) scripts.push(typeof s === "string" ? s : JSON.stringify(s));
}
for (const f of files) scripts.push(readFileSync(f, "utf8"));

const { instantiate } = await import(pathToFileURL(component).href);
const dir = dirname(component);
const compiled = new Map();
const getCoreModule = (name) => {
  if (!compiled.has(name)) compiled.set(name, WebAssembly.compile(readFileSync(join(dir, name))));
  return compiled.get(name);
};

function idOf(text) {
  try {
    const id = JSON.parse(text).id;
    return typeof id === "string" ? id : null;
  } catch {
    return null;
  }
}

let failures = 0;
for (let n = 0; n < scripts.length; n++) {
  const text = scripts[n];
  const id = idOf(text);
  if (markers) {
    process.stdout.write(JSON.stringify({ "wasmnet-runner": "start", n, id }) + "\n");
    process.stderr.write(`##wasmnet-runner start ${n}\n`);
  }
  let exitCode = 0;
  let error = null;
  try {
    const shim = new WASIShim({
      sandbox: { env: { WASMNET_SCRIPT: text }, args: ["probe"], enableNetwork: !deny },
    });
    const instance = await instantiate(getCoreModule, shim.getImportObject());
    const run = instance.run ?? instance["wasi:cli/run@0.2.12"];
    run.run();
  } catch (e) {
    exitCode = 1;
    error = e && e.stack ? String(e.stack) : String(e);
    process.stderr.write(`probe-runner: ${error}\n`);
  }
  if (exitCode !== 0) failures++;
  if (markers) {
    process.stderr.write(`\n##wasmnet-runner end ${n}\n`);
    // a leading newline keeps the marker on its own line after a partial probe line
    process.stdout.write(
      "\n" + JSON.stringify({ "wasmnet-runner": "end", n, id, exit_code: exitCode, error }) + "\n",
    );
  }
}
process.exit(failures === 0 ? 0 : 1);
