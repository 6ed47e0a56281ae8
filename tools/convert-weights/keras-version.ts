// Which Keras wrote a model, from the version string its file records (an .h5's `keras_version`
// attribute, a TF.js modelTopology's `keras_version`, a .keras archive's metadata.json). Keras 3 changed
// what some names mean (hard_sigmoid), so the importer reads a layer by the major version.

/**
 * 2 or 3 for a Keras version ('2.15.0', '3.5.0'); 2 for tfjs-layers ('tfjs-layers 4.22.0'), which implements
 * Keras 2's definitions; undefined when the file records none (or an unreadable one).
 */
export function kerasMajorVersion(version: string | undefined): number | undefined {
  if (version === undefined) return undefined;
  if (version.startsWith('tfjs-layers')) return 2;
  const m = /^(\d+)\./.exec(version.trim());
  return m ? Number(m[1]) : undefined;
}
