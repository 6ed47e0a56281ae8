// Opens a page in headless Chromium (Debian's `chromium`, installed by `node scripts/setup.mjs --test`)
// and reports, after the load event, whether each <img> decoded and its natural size. The probe
// script is appended by the test; the pages themselves hold no script.
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const CHROMIUM = '/usr/bin/chromium';

const PROBE =
  `<script>window.addEventListener('load', () => { document.body.setAttribute('data-probe', ` +
  'JSON.stringify([...document.images].map((i) => [i.complete, i.naturalWidth, i.naturalHeight]))); ' +
  '});</script>';

export type ImageProbe = [complete: boolean, naturalWidth: number, naturalHeight: number];

/** Writes the page (with the probe) into dir as <name>.html, loads it, returns every image's probe. */
export function openInChromium(html: string, dir: string, name: string): Promise<ImageProbe[]> {
  const page = join(dir, `${name}.html`);
  writeFileSync(page, html.replace('</body>', `${PROBE}</body>`));
  const args = [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-background-networking',
    '--no-first-run',
    '--disable-component-update',
    '--disable-sync',
    `--user-data-dir=${join(dir, `profile-${name}`)}`,
    '--virtual-time-budget=10000',
    '--dump-dom',
    `file://${page}`,
  ];
  return new Promise((resolve, reject) => {
    execFile(CHROMIUM, args, { timeout: 60_000, maxBuffer: 64 * 1024 * 1024 }, (error, stdout) => {
      if (error) return reject(error);
      const m = /data-probe="([^"]*)"/.exec(stdout);
      if (!m) return reject(new Error(`no probe result in Chromium's DOM dump (${stdout.length} bytes)`));
      resolve(JSON.parse(m[1].replace(/&quot;/g, '"')) as ImageProbe[]);
    });
  });
}
