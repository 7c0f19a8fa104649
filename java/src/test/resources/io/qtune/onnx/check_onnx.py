"""Checks an exported ONNX model as the ONNX reference does: exit 0 if it passes, else 1 with the message.

onnx.checker with full_check, then strict shape inference with type checks, run on a copy whose graph outputs have
no shape: the shapes it infers for them must equal the declared ones (same element type, rank, and each dimension's
value or symbolic name). Run it with /usr/bin/python3 (Debian's python3-onnx: scripts/install-deps).
"""
import sys

try:
    import onnx
    from onnx import checker, shape_inference
except ImportError as e:
    print(f"{sys.executable} cannot import onnx ({e}): run scripts/install-deps (Debian package python3-onnx)")
    sys.exit(2)


def dims(t):
    return [d.dim_value if d.HasField("dim_value") else d.dim_param if d.HasField("dim_param") else "?" for d in t.shape.dim]


def check(path):
    model = onnx.load(path)
    checker.check_model(model, full_check=True)
    shape_inference.infer_shapes(model, check_type=True, strict_mode=True)
    stripped = onnx.ModelProto()
    stripped.CopyFrom(model)
    for o in stripped.graph.output:
        o.type.tensor_type.ClearField("shape")
    inferred = {o.name: o.type.tensor_type for o in shape_inference.infer_shapes(stripped, check_type=True, strict_mode=True).graph.output}
    wrong = []
    for o in model.graph.output:
        want, got = o.type.tensor_type, inferred[o.name]
        if want.elem_type != got.elem_type or not got.HasField("shape") or dims(want) != dims(got):
            got_shape = dims(got) if got.HasField("shape") else "no shape"
            wrong.append(f"output '{o.name}' is declared {want.elem_type} {dims(want)}, inferred {got.elem_type} {got_shape}")
    if wrong:
        raise ValueError("; ".join(wrong))


def main():
    failed = False
    for path in sys.argv[1:]:
        try:
            check(path)
            print(f"{path}: ok")
        except Exception as e:  # the checker's own message is the point
            print(f"{path}: {type(e).__name__}: {e}")
            failed = True
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
