// Input preprocessing conventions, applied to RGB uint8 pixels (HWC) already at the model size:
// - 'tf':    x / 127.5 − 1                        (Keras ResNetV2, InceptionV3, MobileNet)
// - 'caffe': RGB → BGR, minus the ImageNet BGR mean [103.939, 116.779, 123.68], no scaling (Keras VGG16, ResNet50)
// - 'torch': x / 255, minus mean [0.485, 0.456, 0.406], divided by std [0.229, 0.224, 0.225] (torchvision)
// - 'unit':  x / 255                               (nsfwjs)
import { tensor, type Tensor } from '../tensor/index.js';

export type PreprocessingMode = 'tf' | 'caffe' | 'torch' | 'unit';
export const PREPROCESSING_MODES: readonly PreprocessingMode[] = ['tf', 'caffe', 'torch', 'unit'];

const CAFFE_MEAN_BGR = [103.939, 116.779, 123.68];
const TORCH_MEAN = [0.485, 0.456, 0.406];
const TORCH_STD = [0.229, 0.224, 0.225];

/** Float HWC values for one image; `pixels` holds height·width·3 RGB bytes. */
export function preprocessPixels(mode: PreprocessingMode, pixels: ArrayLike<number>, height: number, width: number): Float32Array {
  const n = height * width;
  if (pixels.length !== n * 3) {
    throw new Error(`preprocess: expected ${n * 3} RGB bytes for ${height}×${width}, given ${pixels.length} (RGBA must be converted to RGB first)`);
  }
  const out = new Float32Array(n * 3);
  for (let i = 0; i < n; i++) {
    const r = pixels[3 * i],
      g = pixels[3 * i + 1],
      b = pixels[3 * i + 2];
    const o = 3 * i;
    switch (mode) {
      case 'tf':
        out[o] = r / 127.5 - 1;
        out[o + 1] = g / 127.5 - 1;
        out[o + 2] = b / 127.5 - 1;
        break;
      case 'caffe':
        out[o] = b - CAFFE_MEAN_BGR[0];
        out[o + 1] = g - CAFFE_MEAN_BGR[1];
        out[o + 2] = r - CAFFE_MEAN_BGR[2];
        break;
      case 'torch':
        out[o] = (r / 255 - TORCH_MEAN[0]) / TORCH_STD[0];
        out[o + 1] = (g / 255 - TORCH_MEAN[1]) / TORCH_STD[1];
        out[o + 2] = (b / 255 - TORCH_MEAN[2]) / TORCH_STD[2];
        break;
      case 'unit':
        out[o] = r / 255;
        out[o + 1] = g / 255;
        out[o + 2] = b / 255;
        break;
      default:
        throw new Error(`preprocess: unknown mode '${String(mode)}' (known: ${PREPROCESSING_MODES.join(', ')})`);
    }
  }
  return out;
}

/** The NHWC input tensor [1, height, width, 3] for one image. */
export function preprocessToTensor(mode: PreprocessingMode, pixels: ArrayLike<number>, height: number, width: number): Tensor {
  return tensor(preprocessPixels(mode, pixels, height, width), [1, height, width, 3]);
}
