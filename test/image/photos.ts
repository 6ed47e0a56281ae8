// The CC0 sample photos live in shared/images beside the repository (as in CI's checkout), not in it.
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

export const PHOTOS = fileURLToPath(new URL('../../../shared/images/', import.meta.url));

export function photo(name: 'astronaut' | 'chelsea' | 'coffee'): string {
  return join(PHOTOS, `${name}.png`);
}
