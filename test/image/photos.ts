// The CC0 / public-domain sample photos the tests read, committed with their licence note.
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

export const PHOTOS = fileURLToPath(new URL('../fixtures/images/', import.meta.url));

export function photo(name: 'astronaut' | 'chelsea' | 'coffee'): string {
  return join(PHOTOS, `${name}.png`);
}
