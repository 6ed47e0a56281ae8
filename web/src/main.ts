// The page: images and a model in (bundled scenes-resnet and scenes on first load), an explanation out,
// drawn with the library's own rendering and documented with the CLI's own sidecar builder.
import * as gradscope from '../../src/browser.js';
import {
  COLORMAP_NAMES,
  EVOLUTION_METHODS,
  METHOD_NAMES,
  NoWebGpuError,
  PREPROCESSING_MODES,
  type PreprocessingMode,
  evolutionGrid,
  evolutionMethodWords,
  gradflowChart,
  renderExplanation,
  sha256Hex,
  sidecarDocument,
  type ColormapName,
  type Explanation,
  type MemoryStats,
  type MethodName,
  type RgbImage,
  type WeightsRecord,
} from '../../src/browser.js';
import { formatProbability } from '../../src/cli/report.js';
import { BUNDLED_MODEL, BUNDLED_SCENES } from './assets.js';
import { canvasPng, decodeBytes, paint } from './pixels.js';
import type { ModelInfo } from './protocol.js';
import { CancelledError, WorkerClient } from './worker-client.js';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

interface LoadedImage {
  file: string;
  image: RgbImage;
  thumb: string;
}

const state: {
  images: LoadedImage[];
  current: number;
  model?: ModelInfo;
  weights?: WeightsRecord;
  explanation?: Explanation;
  explanationImage?: LoadedImage;
  generation: number;
} = { images: [], current: -1, generation: 0 };

declare global {
  interface Window {
    gradscope: typeof gradscope & {
      lastExplanation?: Record<string, unknown>;
      ready?: Promise<void>;
      busy?: () => boolean;
      /** The compute worker's GPU memory (the page's own library instance holds none). */
      workerMemory?: () => Promise<MemoryStats | undefined>;
    };
  }
}
window.gradscope = { ...gradscope };

function showMessage(text: string | undefined): void {
  const el = $('message');
  el.hidden = text === undefined;
  el.textContent = text ?? '';
}

function oneLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).replace(/\s+/g, ' ').trim();
}

let client: WorkerClient | undefined;
let progressStarted = 0;
let progressTimer: number | undefined;

/** Shows the stage and its elapsed time; a counted stage (Score-CAM channels, SmoothGrad samples…) fills the bar. */
function progress(stage: string | undefined, fraction?: number): void {
  const box = $('progress');
  window.clearInterval(progressTimer);
  if (stage === undefined) {
    box.hidden = true;
    return;
  }
  const bar = box.querySelector('progress');
  if (bar && fraction !== undefined) bar.value = fraction;
  else bar?.removeAttribute('value');
  if (box.hidden) progressStarted = performance.now();
  box.hidden = false;
  const tick = () => ($('progress-text').textContent = `${stage} — ${((performance.now() - progressStarted) / 1000).toFixed(1)} s`);
  tick();
  progressTimer = window.setInterval(tick, 200);
}

/** Runs one request with progress shown; a cancel or failure is one line, never a lost state. */
async function work<T>(what: () => Promise<T>): Promise<T | undefined> {
  try {
    const out = await what();
    return out;
  } catch (e) {
    if (!(e instanceof CancelledError)) showMessage(oneLine(e));
    return undefined;
  } finally {
    if (!client?.busy) progress(undefined);
  }
}

function fillSelect(select: HTMLSelectElement, options: [value: string, text: string][], keep = true): void {
  const previous = select.value;
  select.replaceChildren(...options.map(([value, text]) => new Option(text, value)));
  if (keep && options.some(([v]) => v === previous)) select.value = previous;
}

function showModel(info: ModelInfo): void {
  state.model = info;
  const notes = info.notes.length > 0 ? ` · ${info.notes.join('; ')}` : '';
  $('model-name').textContent =
    `${info.name} (${info.file}) · ${info.inputSize.height}×${info.inputSize.width} input · ${info.labels.length} classes · ${info.adapter}${notes}`;
  fillSelect($('class'), [['', 'top-1 class'], ...info.labels.map((l, i): [string, string] => [String(i), `${i}: ${l}`])], false);
  const nodes = info.rows.map((r): [string, string] => {
    const star = r.node === info.auto.node ? ' *' : '';
    return [r.node, `${r.node}${star} — ${r.op} ${r.outputShape.join('×')}${r.role ? ` (${r.role})` : ''}`];
  });
  fillSelect($('node'), [['auto', `auto → ${info.auto.node} *`], ...nodes], false);
  $('node-reason').textContent = `* automatic choice: ${info.auto.node}, ${info.auto.reason}`;
}

async function loadModel(file: string, bytes: Uint8Array, shards?: Record<string, Uint8Array>): Promise<void> {
  if (!client) return;
  const c = client;
  const preprocessing = $<HTMLSelectElement>('onnx-preprocess').value as PreprocessingMode;
  const reply = await work(() => c.request({ kind: 'load', file, bytes, preprocessing, ...(shards ? { shards } : {}) }, progress));
  if (reply?.kind !== 'load') return;
  showMessage(undefined);
  const info = reply.model;
  state.weights = { file, sha256: await sha256Hex(bytes), source: info.source, sourceSha256: info.sourceSha256, licence: info.licence };
  showModel(info);
  await explainCurrent();
}

function renderOptions(): { colormap: ColormapName; alpha: number } {
  return { colormap: $<HTMLSelectElement>('colormap').value as ColormapName, alpha: Number($<HTMLInputElement>('alpha').value) };
}

function stemOf(file: string): string {
  return file.replace(/\.[^.]*$/, '');
}

function filesFor(expl: Explanation, file: string) {
  const base = `${stemOf(file)}.${expl.method}`;
  return { overlay: `${base}.png`, heatmap: `${base}.heatmap.png`, json: `${base}.json`, ...(expl.inputGradient ? { gradient: `${base}.gradient.png` } : {}) };
}

/** Draws the explanation on screen and makes its sidecar document the page's lastExplanation. */
function draw(): void {
  const expl = state.explanation,
    img = state.explanationImage;
  if (!expl || !img || !state.weights) return;
  const options = renderOptions();
  const r = renderExplanation(expl, img.image, options);
  paint($('overlay'), r.overlay);
  paint($('heatmap'), r.heatmap);
  window.gradscope.lastExplanation = sidecarDocument(
    expl,
    options,
    state.weights,
    { file: img.file, width: img.image.width, height: img.image.height },
    filesFor(expl, img.file),
  );
  $('summary').textContent =
    `${expl.method} for '${expl.label}' (class ${expl.class}), logit ${expl.logit.toFixed(4)}, p ${formatProbability(expl.probability)} · ` +
    `node ${expl.node} (${expl.nodeRole}, ${expl.nodeShape.slice(1).join('×')}) · map ` +
    `${expl.lowres.height}×${expl.lowres.width}, max ${expl.max.toPrecision(4)} · ` +
    `${expl.elapsedMs.toFixed(0)} ms`;
  $('topk').replaceChildren(
    ...expl.topk.map((t) => Object.assign(document.createElement('li'), { textContent: `${t.label} (${t.index}) ${formatProbability(t.probability)}` })),
  );
  const lines = [
    ...expl.layerChoice.warnings.map((w) => `warning: ${w}`),
    ...expl.layerChoice.notes.map((n) => `note: ${n}`),
    ...(r.warning ? [`warning: ${r.warning}`] : []),
  ];
  $('warnings').replaceChildren(...lines.map((l) => Object.assign(document.createElement('li'), { textContent: l })));
  $<HTMLButtonElement>('download-png').disabled = false;
  $<HTMLButtonElement>('download-json').disabled = false;
}

async function explainCurrent(): Promise<void> {
  const img = state.images[state.current];
  if (!client || !img || !state.model) return;
  const c = client;
  const generation = ++state.generation;
  const classValue = $<HTMLSelectElement>('class').value;
  const options = {
    method: $<HTMLSelectElement>('method').value as MethodName,
    layer: $<HTMLSelectElement>('node').value,
    ...(classValue === '' ? {} : { classIndex: Number(classValue) }),
  };
  const reply = await work(() => c.request({ kind: 'explain', image: img.image, options }, progress));
  if (reply?.kind !== 'explain' || generation !== state.generation) return;
  showMessage(undefined);
  if (state.explanationImage !== img) for (const id of ['evolution-figure', 'gradflow-figure']) $(id).hidden = true;
  state.explanation = reply.explanation;
  state.explanationImage = img;
  draw();
}

function classForAnalyses(): number | undefined {
  const v = $<HTMLSelectElement>('class').value;
  return v === '' ? undefined : Number(v);
}

async function runEvolution(): Promise<void> {
  const img = state.images[state.current];
  if (!client || !img || !state.model) return;
  const c = client;
  const method = $<HTMLSelectElement>('evolution-method').value as (typeof EVOLUTION_METHODS)[number];
  const reply = await work(() => c.request({ kind: 'evolution', image: img.image, method, classIndex: classForAnalyses() }, progress));
  if (reply?.kind !== 'evolution') return;
  const { colormap, alpha } = renderOptions();
  const label = state.model.labels[reply.result.classIndex] ?? `class ${reply.result.classIndex}`;
  const png = evolutionGrid(reply.result, img.image, {
    colormap,
    alpha,
    sharedScale: false,
    title: `${evolutionMethodWords(method)} along ${state.model.name}`,
    subtitle: [`${img.file} · '${label}' (class ${reply.result.classIndex})`],
  });
  showFigure('evolution', png);
}

async function runGradflow(): Promise<void> {
  const img = state.images[state.current];
  if (!client || !img || !state.model) return;
  const c = client;
  const reply = await work(() => c.request({ kind: 'gradflow', image: img.image, classIndex: classForAnalyses() }, progress));
  if (reply?.kind !== 'gradflow') return;
  const r = reply.result;
  const label = state.model.labels[r.classIndex] ?? `class ${r.classIndex}`;
  const blocks = r.blocks.length === 1 ? 'residual block' : `${r.blocks.length} residual blocks`;
  showFigure('gradflow', gradflowChart(r, `Gradient flow through the ${blocks} of ${state.model.name}`, `${img.file} · '${label}' (class ${r.classIndex})`));
}

const figureUrls = new Map<string, string>();
function showFigure(id: 'evolution' | 'gradflow', png: Uint8Array): void {
  const old = figureUrls.get(id);
  if (old) URL.revokeObjectURL(old);
  const url = URL.createObjectURL(new Blob([png as Uint8Array<ArrayBuffer>], { type: 'image/png' }));
  figureUrls.set(id, url);
  $<HTMLImageElement>(id).src = url;
  $(`${id}-figure`).hidden = false;
}

function thumbnail(img: RgbImage): string {
  const c = document.createElement('canvas');
  paint(c, img);
  return c.toDataURL('image/png');
}

function showImages(): void {
  $('image-list').replaceChildren(
    ...state.images.map((im, i) => {
      const li = document.createElement('li');
      const b = document.createElement('button');
      b.type = 'button';
      b.title = im.file;
      b.setAttribute('aria-current', String(i === state.current));
      b.append(Object.assign(document.createElement('img'), { src: im.thumb, alt: im.file }));
      b.addEventListener('click', () => {
        state.current = i;
        showImages();
        void explainCurrent();
      });
      li.append(b);
      return li;
    }),
  );
}

/** Adds images; an unreadable one is one line and changes nothing else. The first good one is shown. */
async function addImages(files: { name: string; bytes: Uint8Array }[]): Promise<void> {
  const errors: string[] = [];
  let first = -1;
  for (const f of files) {
    try {
      const image = await decodeBytes(f.name, f.bytes);
      state.images.push({ file: f.name, image, thumb: thumbnail(image) });
      if (first < 0) first = state.images.length - 1;
    } catch (e) {
      errors.push(oneLine(e));
    }
  }
  showMessage(errors.length > 0 ? errors.join(' · ') : undefined);
  if (first >= 0) {
    state.current = first;
    showImages();
    await explainCurrent();
  }
}

async function fileBytes(f: File): Promise<{ name: string; bytes: Uint8Array }> {
  return { name: f.name, bytes: new Uint8Array(await f.arrayBuffer()) };
}

async function fetchBytes(url: string): Promise<Uint8Array> {
  const r = await fetch(url);
  if (!r.ok) throw new Error(`${url}: HTTP ${r.status}`);
  return new Uint8Array(await r.arrayBuffer());
}

function isModelFile(name: string): boolean {
  return /\.(safetensors|onnx|h5|hdf5|keras|json|bin)$/i.test(name);
}

async function takeFiles(list: FileList | null): Promise<void> {
  const files = [...(list ?? [])];
  const models = files.filter((f) => isModelFile(f.name));
  const images = files.filter((f) => !isModelFile(f.name));
  // A TF.js model is model.json with its .bin shards, dropped or picked together; otherwise one model file.
  const json = models.find((f) => /\.json$/i.test(f.name));
  const main = json ?? models[0];
  if (main) {
    const { name, bytes } = await fileBytes(main);
    const shards = json
      ? Object.fromEntries(await Promise.all(models.filter((f) => /\.bin$/i.test(f.name)).map(async (f) => [f.name, (await fileBytes(f)).bytes])))
      : undefined;
    await loadModel(name, bytes, shards);
  }
  if (images.length > 0) await addImages(await Promise.all(images.map(fileBytes)));
}

function download(name: string, blob: Blob): void {
  const a = Object.assign(document.createElement('a'), { href: URL.createObjectURL(blob), download: name });
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
}

function wire(): void {
  fillSelect(
    $('method'),
    METHOD_NAMES.map((m): [string, string] => [m, m]),
  );
  fillSelect(
    $('onnx-preprocess'),
    PREPROCESSING_MODES.map((m): [string, string] => [m, m]),
  );
  $<HTMLSelectElement>('onnx-preprocess').value = 'tf';
  fillSelect(
    $('colormap'),
    COLORMAP_NAMES.map((m): [string, string] => [m, m]),
  );
  fillSelect(
    $('evolution-method'),
    EVOLUTION_METHODS.map((m): [string, string] => [m, m]),
  );
  for (const id of ['method', 'class', 'node']) $(id).addEventListener('change', () => void explainCurrent());
  $('colormap').addEventListener('change', draw);
  $('alpha').addEventListener('input', () => {
    $('alpha-value').textContent = $<HTMLInputElement>('alpha').value;
    draw();
  });
  $<HTMLInputElement>('images').addEventListener('change', (e) => void takeFiles((e.target as HTMLInputElement).files));
  $<HTMLInputElement>('model-file').addEventListener('change', (e) => void takeFiles((e.target as HTMLInputElement).files));
  $('bundled-model').addEventListener('click', () => void fetchBytes(BUNDLED_MODEL.url).then((b) => loadModel(BUNDLED_MODEL.file, b)));
  $('run-evolution').addEventListener('click', () => void runEvolution());
  $('run-gradflow').addEventListener('click', () => void runGradflow());
  $('cancel').addEventListener('click', () => {
    if (!client?.busy) return;
    client.cancel();
    progress(undefined);
    showMessage('cancelled; the model is reloaded for the next request');
  });
  $('download-png').addEventListener('click', () => {
    const doc = window.gradscope.lastExplanation as { files?: { overlay: string } } | undefined;
    void canvasPng($('overlay')).then((b) => download(doc?.files?.overlay ?? 'overlay.png', b));
  });
  $('download-json').addEventListener('click', () => {
    const doc = window.gradscope.lastExplanation as { files?: { json: string } } | undefined;
    if (doc) download(doc.files?.json ?? 'explanation.json', new Blob([`${JSON.stringify(doc, null, 2)}\n`], { type: 'application/json' }));
  });
  document.addEventListener('dragover', (e) => {
    e.preventDefault();
    document.body.classList.add('dragging');
  });
  document.addEventListener('dragleave', () => document.body.classList.remove('dragging'));
  document.addEventListener('drop', (e) => {
    e.preventDefault();
    document.body.classList.remove('dragging');
    void takeFiles(e.dataTransfer?.files ?? null);
  });
}

async function start(): Promise<void> {
  wire();
  // No navigator.gpu, or one without an adapter (Chromium on Linux without its flag): one sentence, no blank page.
  const adapter = 'gpu' in navigator && navigator.gpu ? await navigator.gpu.requestAdapter().catch(() => null) : null;
  if (!adapter) {
    const el = $('nogpu');
    el.textContent = new NoWebGpuError().message;
    el.hidden = false;
    $('app').inert = true;
    return;
  }
  client = new WorkerClient();
  window.gradscope.busy = () => client?.busy ?? false;
  window.gradscope.workerMemory = async () => {
    const reply = await client?.request({ kind: 'memory' });
    return reply?.kind === 'memory' ? reply.stats : undefined;
  };
  const scenes = await Promise.all(BUNDLED_SCENES.map(async (s) => ({ name: s.file, bytes: await fetchBytes(s.url) })));
  await loadModel(BUNDLED_MODEL.file, await fetchBytes(BUNDLED_MODEL.url));
  await addImages(scenes);
}

window.gradscope.ready = start().catch((e: unknown) => showMessage(oneLine(e)));
