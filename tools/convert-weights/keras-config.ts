// What the readers need from a Keras model config (the `model_config` JSON of an .h5 file or a TF.js
// modelTopology): each layer's class and the batch-norm flags that decide which weights exist.

export interface KerasLayerConfig {
  readonly name: string;
  readonly className: string;
  /** BatchNormalization: false when the layer has no gamma. */
  readonly scale?: boolean;
  /** BatchNormalization: false when the layer has no beta. */
  readonly center?: boolean;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function isObject(v: unknown): v is { [key: string]: Json } {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The layer list of a model config: `config.layers`, or `config` itself for Keras 2.2-era Sequential. */
function layerList(model: { [key: string]: Json }): Json[] {
  const config = model.config;
  if (Array.isArray(config)) return config;
  if (isObject(config) && Array.isArray(config.layers)) return config.layers;
  return [];
}

/** Layer name → config for every layer, nested models included, in config order. */
export function kerasLayerConfigs(modelConfig: unknown): Map<string, KerasLayerConfig> {
  const out = new Map<string, KerasLayerConfig>();
  const visit = (model: unknown) => {
    if (!isObject(model)) return;
    for (const layer of layerList(model)) {
      if (!isObject(layer) || typeof layer.class_name !== 'string') continue;
      const config = isObject(layer.config) ? layer.config : {};
      const name = typeof config.name === 'string' ? config.name : typeof layer.name === 'string' ? layer.name : undefined;
      if (name === undefined) continue;
      out.set(name, {
        name,
        className: layer.class_name,
        scale: typeof config.scale === 'boolean' ? config.scale : undefined,
        center: typeof config.center === 'boolean' ? config.center : undefined,
      });
      if (layerList(layer).length > 0) visit(layer);
    }
  };
  visit(modelConfig);
  return out;
}
