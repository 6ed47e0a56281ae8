#!/usr/bin/python3
"""Exports torchvision classifiers with random weights to ONNX, for the importer tests.

Usage: /usr/bin/python3 tools/torchvision-zoo/export.py <out-dir> <size> [name ...]
Debian's python3-torch 1.13 / python3-torchvision 0.14 (apt-get install python3-torch
python3-torchvision). Each net is seeded, put in eval mode (BatchNorm then uses its running
statistics, which torch.onnx folds into the convolutions) and exported at opset 13 with a fixed
[1, 3, size, size] input; a file that already exists is kept. Prints one line per file written.
"""
import os
import sys

import torch
import torchvision.models as tvm

NETS = {
    "mobilenet_v2": lambda: tvm.mobilenet_v2(),
    "mobilenet_v3_small": lambda: tvm.mobilenet_v3_small(),
    "efficientnet_b0": lambda: tvm.efficientnet_b0(),
    "resnext50_32x4d": lambda: tvm.resnext50_32x4d(),
    "regnet_y_400mf": lambda: tvm.regnet_y_400mf(),
    "shufflenet_v2_x1_0": lambda: tvm.shufflenet_v2_x1_0(),
    "convnext_tiny": lambda: tvm.convnext_tiny(),
    "densenet121": lambda: tvm.densenet121(),
    "squeezenet1_1": lambda: tvm.squeezenet1_1(),
    "resnet18": lambda: tvm.resnet18(),
}


def main() -> int:
    if len(sys.argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    out_dir, size = sys.argv[1], int(sys.argv[2])
    names = sys.argv[3:] or list(NETS)
    unknown = [n for n in names if n not in NETS]
    if unknown:
        print(f"unknown nets: {', '.join(unknown)} (known: {', '.join(NETS)})", file=sys.stderr)
        return 2
    os.makedirs(out_dir, exist_ok=True)
    torch.set_num_threads(1)
    for i, name in enumerate(names):
        path = os.path.join(out_dir, f"{name}-{size}.onnx")
        if os.path.exists(path):
            continue
        torch.manual_seed(1000 + i)
        net = NETS[name]().eval()
        x = torch.randn(1, 3, size, size)
        tmp = path + ".tmp"
        torch.onnx.export(net, x, tmp, opset_version=13, input_names=["input"], output_names=["logits"], do_constant_folding=True)
        os.replace(tmp, path)
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
