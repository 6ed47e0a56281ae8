// Headless Debian Chromium with WebGPU (--enable-unsafe-webgpu; its adapter here is SwiftShader, a
// WebGPU implementation independent of Dawn-on-lavapipe), driven by puppeteer-core.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import puppeteer, { type Browser } from 'puppeteer-core';

export const CHROMIUM = '/usr/bin/chromium';

export interface Chromium {
  browser: Browser;
  close(): Promise<void>;
}

/** `webgpu: false` leaves out the flags, as a user's Chromium on Linux has them by default. */
export async function launchChromium(o: { webgpu?: boolean } = {}): Promise<Chromium> {
  const gpuFlags =
    o.webgpu === false ? [] : ['--enable-unsafe-webgpu', '--enable-features=Vulkan', '--use-angle=swiftshader', '--use-webgpu-adapter=swiftshader'];
  const profile = mkdtempSync(join(tmpdir(), 'gradscope-chromium-'));
  const browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    userDataDir: profile,
    args: ['--no-sandbox', ...gpuFlags, '--disable-background-networking', '--no-first-run', '--disable-component-update', '--disable-sync'],
  });
  return {
    browser,
    async close() {
      await browser.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
