#!/usr/bin/env python3
"""An independent reader of compressed-tensors "pack-quantized" checkpoints, standard library only.

Written from the compressed-tensors conventions, not from wmq's code, so that a test can show that what wmq writes is
what other tools read:

* config.json: quantization_config = {quant_method: "compressed-tensors", format: "pack-quantized",
  config_groups: {name: {targets: [module names], weights: QuantizationArgs, input_activations: ...}}, ignore: [...]}.
* weights: model.safetensors, or shards listed in model.safetensors.index.json ({"weight_map": {tensor: file}}).
  safetensors = 8-byte little-endian header length, JSON header {name: {dtype, shape, data_offsets}}, data.
* per quantized Linear "{m}.weight_packed" int32 [N, ceil(K / (32 // b))]: pack_to_int32 stores each signed code q
  as the unsigned field q + 2**(b-1), 32 // b fields per word, field i of a word at bits [i*b, i*b + b).
* "{m}.weight_scale": [N, groups] (group), [N, 1] (channel) or [1] (tensor); column c uses group c // group_size.
* "{m}.weight_zero_point" (asymmetric only): for group and channel strategies the signed zero points packed the same
  way along dim 0 (int32 [ceil(N / (32 // b)), groups]); for the tensor strategy an unpacked int8 [1].
* "{m}.weight_shape": [N, K].
* value = (q - zero_point) * scale.

wmq computes that product in float32; since (q - zp) has at most 9 bits and the scale at most 24, the exact product
fits a Python float, and rounding it once to float32 (struct "f") gives the same bits.

Usage: ct_reader.py ARTIFACT_DIR EXPECTED_DIR
EXPECTED_DIR holds "{m}.f32" (little-endian float32, N*K values) for every packed layer. Prints one line per layer and
exits 0 only when every layer of every config group matches bit for bit and every expected file was checked.
"""

import json
import os
import struct
import sys

FORMATS = {"F16": "e", "F32": "f", "F64": "d", "I8": "b", "U8": "B", "I16": "h", "I32": "i", "I64": "q"}


class SafetensorsFile:
    def __init__(self, path):
        with open(path, "rb") as handle:
            blob = handle.read()
        (length,) = struct.unpack_from("<Q", blob, 0)
        self.header = json.loads(blob[8:8 + length].decode("utf-8"))
        self.header.pop("__metadata__", None)
        self.data = memoryview(blob)[8 + length:]

    def read(self, name):
        entry = self.header[name]
        code = FORMATS[entry["dtype"]]
        start, end = entry["data_offsets"]
        size = struct.calcsize(code)
        count = (end - start) // size
        values = list(struct.unpack_from("<%d%s" % (count, code), self.data, start))
        return entry["dtype"], entry["shape"], values


class Weights:
    """Every tensor of model.safetensors, or of the shards model.safetensors.index.json names."""

    def __init__(self, folder):
        index = os.path.join(folder, "model.safetensors.index.json")
        self.where = {}
        if os.path.exists(index):
            with open(index, encoding="utf-8") as handle:
                weight_map = json.load(handle)["weight_map"]
            files = {name: SafetensorsFile(os.path.join(folder, name)) for name in sorted(set(weight_map.values()))}
            for tensor, name in weight_map.items():
                self.where[tensor] = files[name]
            self.files = len(files)
        else:
            single = SafetensorsFile(os.path.join(folder, "model.safetensors"))
            for tensor in single.header:
                self.where[tensor] = single
            self.files = 1

    def has(self, name):
        return name in self.where

    def read(self, name):
        return self.where[name].read(name)


def unpack(words, shape, bits, packed_dim, original):
    """unpack_from_int32: signed values [original rows, original columns] from int32 words of the given shape."""
    per_word = 32 // bits
    mask = (1 << bits) - 1
    offset = 1 << (bits - 1)
    rows, columns = original
    packed_rows, packed_columns = shape
    out = [[0] * columns for _ in range(rows)]
    for r in range(rows):
        for c in range(columns):
            if packed_dim == 1:
                word, field = words[r * packed_columns + c // per_word], c % per_word
            else:
                word, field = words[(r // per_word) * packed_columns + c], r % per_word
            out[r][c] = ((word >> (bits * field)) & mask) - offset
    return out


def to_float32(value):
    return struct.unpack("<f", struct.pack("<f", value))[0]


def dequantize(weights, module, args):
    bits = args["num_bits"]
    strategy = args["strategy"]
    _, _, (n, k) = weights.read(module + ".weight_shape")
    dtype, packed_shape, words = weights.read(module + ".weight_packed")
    assert dtype == "I32", "%s.weight_packed is %s" % (module, dtype)
    per_word = 32 // bits
    assert packed_shape == [n, (k + per_word - 1) // per_word], "%s.weight_packed shape %s" % (module, packed_shape)
    codes = unpack(words, packed_shape, bits, 1, (n, k))

    _, scale_shape, scales = weights.read(module + ".weight_scale")
    if strategy == "tensor":
        groups, group_size = 1, k
        assert scale_shape == [1], scale_shape
    elif strategy == "channel":
        groups, group_size = 1, k
        assert scale_shape == [n, 1], scale_shape
    elif strategy == "group":
        group_size = args["group_size"]
        groups = (k + group_size - 1) // group_size
        assert scale_shape == [n, groups], scale_shape
    else:
        raise ValueError("strategy %s" % strategy)

    if args["symmetric"]:
        assert not weights.has(module + ".weight_zero_point"), module
        zero = [[0] * groups for _ in range(n)]
    elif strategy == "tensor":
        zdtype, _, (z,) = weights.read(module + ".weight_zero_point")
        assert zdtype == "I8", zdtype
        zero = [[z] for _ in range(n)]
    else:
        zdtype, zshape, zwords = weights.read(module + ".weight_zero_point")
        assert zdtype == "I32" and zshape == [(n + per_word - 1) // per_word, groups], (zdtype, zshape)
        zero = unpack(zwords, zshape, bits, 0, (n, groups))

    values = []
    for r in range(n):
        for c in range(k):
            g = 0 if strategy != "group" else c // group_size
            s = scales[0] if strategy == "tensor" else scales[r * groups + g]
            values.append(to_float32((codes[r][c] - zero[r][g]) * s))
    return n, k, values


def main(artifact, expected_dir):
    with open(os.path.join(artifact, "config.json"), encoding="utf-8") as handle:
        config = json.load(handle)["quantization_config"]
    assert config["quant_method"] == "compressed-tensors", config["quant_method"]
    assert config["format"] == "pack-quantized", config["format"]
    weights = Weights(artifact)
    expected = {name[:-4] for name in os.listdir(expected_dir) if name.endswith(".f32")}
    checked, failures = set(), 0
    for group_name, group in sorted(config["config_groups"].items()):
        args = group.get("weights")
        if args is None:
            continue
        assert args["type"] == "int" and not args.get("dynamic"), args
        assert (args.get("group_size") is not None) == (args["strategy"] == "group"), args
        for module in group["targets"]:
            n, k, values = dequantize(weights, module, args)
            with open(os.path.join(expected_dir, module + ".f32"), "rb") as handle:
                theirs = handle.read()
            ours = struct.pack("<%df" % len(values), *values)
            label = "%s %s W%d %s%s %s" % (group_name, module, args["num_bits"], args["strategy"],
                                          "" if args["strategy"] != "group" else " g%d" % args["group_size"],
                                          "sym" if args["symmetric"] else "asym")
            if ours == theirs:
                print("OK       %s [%d, %d]" % (label, n, k))
            else:
                failures += 1
                wmq = struct.unpack("<%df" % (len(theirs) // 4), theirs)
                first = next((i for i in range(min(len(values), len(wmq))) if struct.pack("<f", values[i]) != struct.pack("<f", wmq[i])), None)
                print("MISMATCH %s [%d, %d]: first at %s (reader %r, wmq %r)" % (
                    label, n, k, first, None if first is None else values[first], None if first is None else wmq[first]))
            checked.add(module)
    missing = sorted(expected - checked)
    for module in missing:
        print("UNCHECKED %s: an expected layer no config group targets" % module)
    print("%d layers checked in %d weight file(s): %d bit-identical, %d mismatched, %d unchecked" % (
        len(checked), weights.files, len(checked) - failures, failures, len(missing)))
    return 0 if failures == 0 and not missing and checked else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
