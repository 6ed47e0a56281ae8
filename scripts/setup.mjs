#!/usr/bin/env node
// Prepares a fresh clone: npm dependencies, then a WebGPU adapter (a software Vulkan driver on
// machines without a GPU). Node built-ins only, so it runs before `npm install`. Idempotent and
// silent when everything is in place. `--test` also installs what the tests read (ONNX's
// official node tests, Chromium, PyTorch and torchvision for the ONNX exports).
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const forTests = process.argv.includes('--test');
const say = (msg) => process.stderr.write(`[setup] ${msg}\n`);

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8', ...opts });
  return { ok: r.status === 0, out: `${r.stdout ?? ''}${r.stderr ?? ''}` };
}

function mustRun(what, cmd, args, opts = {}) {
  const r = run(cmd, args, opts);
  if (!r.ok) {
    say(`${what} failed:\n${r.out.trim().split('\n').slice(-15).join('\n')}`);
    process.exit(1);
  }
}

// 1. npm dependencies: `npm ci` when node_modules is missing or older than the lock file. Not `npm install`,
// which may resolve other versions than the lock on another day.
function ensureDependencies() {
  const stamp = join(root, 'node_modules', '.package-lock.json');
  const lock = join(root, 'package-lock.json');
  if (existsSync(stamp) && (!existsSync(lock) || statSync(stamp).mtimeMs >= statSync(lock).mtimeMs)) return;
  say('installing npm dependencies with `npm ci` (exactly the versions in package-lock.json) ...');
  // onnxruntime-node's install script would try to download GPU extras, which fails offline.
  const env = { ...process.env, ONNXRUNTIME_NODE_INSTALL: 'skip' };
  mustRun('npm ci', 'npm', ['ci', '--no-audit', '--no-fund'], { cwd: root, env });
}

// 2. A WebGPU adapter, probed in a child process so this one exits cleanly.
const probeSource = `
process.env.XDG_RUNTIME_DIR ||= '/tmp';
const { create, globals } = await import('webgpu');
Object.assign(globalThis, globals);
const gpu = create([]);
const adapter = await gpu.requestAdapter();
process.stdout.write(adapter ? 'adapter-ok' : 'no-adapter');
process.exit(0);
`;

function hasAdapter() {
  const r = run(process.execPath, ['--input-type=module', '-e', probeSource], { cwd: root, timeout: 60_000 });
  return r.out.includes('adapter-ok');
}

function osRelease() {
  try {
    return Object.fromEntries(
      readFileSync('/etc/os-release', 'utf8')
        .split('\n')
        .filter((l) => l.includes('='))
        .map((l) => {
          const i = l.indexOf('=');
          return [l.slice(0, i), l.slice(i + 1).replace(/^"|"$/g, '')];
        }),
    );
  } catch {
    return {};
  }
}

const isRoot = process.getuid?.() === 0;
const os = osRelease();
const debianLike = os.ID === 'debian' || os.ID === 'ubuntu' || (os.ID_LIKE ?? '').includes('debian');
let aptUpdated = false;

function aptInstall(packages) {
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  if (!aptUpdated) {
    mustRun('apt-get update', 'apt-get', ['update', '-qq'], { env });
    aptUpdated = true;
  }
  mustRun(`apt-get install ${packages.join(' ')}`, 'apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...packages], { env });
}

/** Dawn rejects Debian 12's Mesa 22.3; bookworm-backports carries 25.x. */
function vulkanPackages() {
  if (os.ID === 'debian' && os.VERSION_CODENAME === 'bookworm') {
    const list = '/etc/apt/sources.list.d/gradscope-bookworm-backports.list';
    if (!existsSync(list)) {
      writeFileSync(list, 'deb http://deb.debian.org/debian bookworm-backports main\n');
      aptUpdated = false;
    }
    return ['libvulkan1', 'mesa-vulkan-drivers/bookworm-backports'];
  }
  return ['libvulkan1', 'mesa-vulkan-drivers'];
}

function ensureAdapter() {
  if (hasAdapter()) return;
  if (!debianLike || !isRoot) {
    const cmds = debianLike
      ? os.VERSION_CODENAME === 'bookworm'
        ? "echo 'deb http://deb.debian.org/debian bookworm-backports main' | sudo tee " +
          '/etc/apt/sources.list.d/bookworm-backports.list\n  sudo apt-get update && sudo apt-get install ' +
          'libvulkan1 mesa-vulkan-drivers/bookworm-backports'
        : 'sudo apt-get install libvulkan1 mesa-vulkan-drivers'
      : 'install a Vulkan driver (on Linux without a GPU: Mesa >= 24 with lavapipe, plus the Vulkan loader)';
    say(`no WebGPU adapter found. To fix it, run:\n  ${cmds}`);
    process.exit(1);
  }
  say('no WebGPU adapter: installing a software Vulkan driver (Mesa lavapipe) ...');
  aptInstall(vulkanPackages());
  if (!hasAdapter()) {
    say('still no WebGPU adapter after installing Mesa lavapipe; check `vulkaninfo --summary` (package vulkan-tools).');
    process.exit(1);
  }
}

// 3. Debian packages: a font for the labels of evolution/gradflow grids and charts (always), and
// what the tests read (ONNX's operator tests; Chromium for the HTML report test) with --test.
const runtimePackages = [['fonts-dejavu-core', '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf']];
const testPackages = [
  ['libonnx-testdata', '/usr/share/libonnx-testdata/data/node'],
  ['chromium', '/usr/bin/chromium'],
  // torch 1.13 / torchvision 0.14 export the torchvision nets the ONNX importer is tested on (test/fixtures/torchvision-zoo.ts).
  ['python3-torch', '/usr/lib/python3/dist-packages/torch/__init__.py'],
  ['python3-torchvision', '/usr/lib/python3/dist-packages/torchvision/__init__.py'],
];

function ensurePackages(wanted, what) {
  const missing = wanted.filter(([, path]) => !existsSync(path)).map(([pkg]) => pkg);
  if (missing.length === 0) return;
  if (!debianLike || !isRoot) {
    say(`missing ${what}: install ${missing.join(', ')} (Debian/Ubuntu packages).`);
    return;
  }
  say(`installing ${missing.join(', ')} ...`);
  aptInstall(missing);
}

ensureDependencies();
ensureAdapter();
ensurePackages(runtimePackages, 'a font for chart and grid labels');
if (forTests) ensurePackages(testPackages, 'test packages (the tests that need them will fail)');
