// What the site bundles: the scenes-resnet weights and the example scenes (not their masks). Vite copies
// them into dist/web/assets, so the built page fetches them from its own origin and works offline.
import weightsUrl from '../../weights/scenes-resnet.safetensors?url';

const scenes = import.meta.glob<string>(['../../examples/scenes/*.png', '!../../examples/scenes/*-mask.png'], {
  query: '?url',
  import: 'default',
  eager: true,
});

export const BUNDLED_MODEL = { file: 'scenes-resnet.safetensors', url: weightsUrl };

export const BUNDLED_SCENES = Object.entries(scenes)
  .map(([path, url]) => ({ file: path.slice(path.lastIndexOf('/') + 1), url }))
  .sort((a, b) => a.file.localeCompare(b.file));
