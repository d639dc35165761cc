// Runs tests/api suites on the real MicroPython WebAssembly build (npm package
// @micropython/micropython-webassembly-pyscript) under Node.js.
//
//   cd tests/wasm && npm ci && node run.mjs [tests/api/test_x.py ...]   (default: test_npyfile_*.py)
//
// Each suite gets a fresh interpreter whose in-memory filesystem holds a copy of what the suite
// reads (paths as in the repository, which becomes /repo). Exit status is non-zero unless every
// suite printed the harness summary with 0 failures.
import { loadMicroPython } from "@micropython/micropython-webassembly-pyscript";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, "..", "..");
const MOUNT = "/repo";

// What the suites need besides themselves: device modules, the harness, their data.
const SUPPORT_FILES = ["tests/api/harness.py", "tests/api/npyfile_support.py"];
const SUPPORT_DIRS = ["src/device", "tests/data/npy", "tests/data/npy/expected"];

// The suites of the pure-Python device modules: npyfile's, in several files
const suites = process.argv.length > 2
  ? process.argv.slice(2)
  : fs.readdirSync(path.join(ROOT, "tests/api")).filter((name) => /^test_npyfile_\w+\.py$/.test(name))
    .sort().map((name) => `tests/api/${name}`);

function repoFiles() {
  const files = [...SUPPORT_FILES];
  for (const dir of SUPPORT_DIRS) {
    for (const name of fs.readdirSync(path.join(ROOT, dir)).sort()) {
      if (fs.statSync(path.join(ROOT, dir, name)).isFile()) files.push(`${dir}/${name}`);
    }
  }
  return files;
}

async function runSuite(suite) {
  const rel = path.relative(ROOT, path.resolve(ROOT, suite)).split(path.sep).join("/");
  if (!/^tests\/api\/test_\w+\.py$/.test(rel)) throw new Error(`not a tests/api suite: ${suite}`);
  const lines = [];
  const mp = await loadMicroPython({
    heapsize: 16 * 1024 * 1024,
    stdout: (line) => { lines.push(line); console.log(line); },
    stderr: (line) => { lines.push(line); console.error(line); },
  });
  for (const file of [...repoFiles(), rel]) {
    const target = `${MOUNT}/${file}`;
    mp.FS.mkdirTree(path.posix.dirname(target));
    mp.FS.writeFile(target, fs.readFileSync(path.join(ROOT, file)));
  }
  const module = path.posix.basename(rel, ".py");
  const started = Date.now();
  let error = null;
  try {
    // Importing the suite runs it: every tests/api file ends with the harness's run().
    mp.runPython([
      "import os, sys",
      `os.chdir(${JSON.stringify(MOUNT)})`,
      "sys.path.insert(0, 'tests/api')",
      "sys.path.insert(0, 'src/device')",
      `import ${module}`,
    ].join("\n"));
  } catch (e) {
    error = e; // the harness exits with SystemExit(1) when a test fails
  }
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  const summary = lines.map((l) => /^(\d+) passed, (\d+) failed$/.exec(l)).filter(Boolean).pop();
  const ok = !error && summary && summary[2] === "0";
  if (error && !summary) console.error(String(error));
  console.log(`== ${rel} on MicroPython WebAssembly: ${ok ? "OK" : "FAILED"} (${seconds} s)`);
  return ok;
}

let failed = 0;
for (const suite of suites) {
  if (!(await runSuite(suite))) failed += 1;
}
console.log(`wasm suites: ${suites.length - failed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
