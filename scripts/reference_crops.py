#!/usr/bin/python3
"""Makes the JPEG fixtures of the ImageNet pipeline tests and their reference crops.

The reference is MLPerf's pre_process_vgg (vision/classification_and_detection/python/dataset.py) run by
Debian's cv2 4.6, stopped before the float conversion so the committed crops stay uint8:
cv2.imread -> BGR2RGB -> aspect-preserving INTER_AREA resize (short side int(100*crop/scale)) -> centre crop.
The crops are stored as PNG. The Java test compares its crops with these within 1 LSB and checks that
the floats are exactly crop - mean.

Run through scripts/make-reference-crops (it installs python3-opencv, python3-numpy, python3-pil first).
"""
import argparse
import io
import os
import sys

import cv2
import numpy as np
from PIL import Image

# Image sizes are (width, height), as a camera states them.
# name, (width, height), colour kind, extra: covers every decode path the loader must take on ImageNet.
FIXTURES = [
    ("landscape_500x375.jpg", (500, 375), "bgr", {}),                 # the typical ImageNet val size
    ("portrait_333x500.jpg", (333, 500), "bgr", {"progressive": True}),  # odd width, h > w branch
    ("gray_301x257.jpg", (301, 257), "gray", {}),                    # 1-channel JPEG, odd sizes
    ("cmyk_320x240.jpg", (320, 240), "cmyk", {}),                    # 4-channel Adobe CMYK JPEG, upscaled
    ("small_200x150.jpg", (200, 150), "bgr", {}),                    # smaller than 256: upscaled
    ("elongated_960x100.jpg", (960, 100), "bgr", {}),                # 9.6:1, upscaled to 2457x256
    ("exif6_400x300.jpg", (400, 300), "bgr", {"exif_orientation": 6}),  # imread rotates it to 300x400
]

# (fixture, crop, scale percent): full MLPerf size for a few, small crops elsewhere to keep the resources small.
CASES = [
    ("landscape_500x375.jpg", 224, 87.5),
] + [(name, 96, 87.5) for name, _, _, _ in FIXTURES] + [
    ("landscape_500x375.jpg", 64, 80.0),
    ("elongated_960x100.jpg", 64, 80.0),
    ("small_200x150.jpg", 64, 100.0),
]


def scene(width, height, seed):
    """A deterministic picture with smooth areas, hard edges and fine texture, so resize rounding shows."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    img = np.empty((height, width, 3), np.float32)
    img[..., 0] = 255 * x / max(width - 1, 1)
    img[..., 1] = 255 * y / max(height - 1, 1)
    img[..., 2] = 127 + 120 * np.sin(x / 9.0) * np.cos(y / 13.0)
    img = img.astype(np.uint8)
    for _ in range(6):
        centre = (int(rng.integers(0, width)), int(rng.integers(0, height)))
        radius = int(rng.integers(5, max(6, min(width, height) // 3)))
        colour = tuple(int(c) for c in rng.integers(0, 256, 3))
        cv2.circle(img, centre, radius, colour, -1, lineType=cv2.LINE_AA)
    for _ in range(4):
        p1 = (int(rng.integers(0, width)), int(rng.integers(0, height)))
        p2 = (int(rng.integers(0, width)), int(rng.integers(0, height)))
        colour = tuple(int(c) for c in rng.integers(0, 256, 3))
        cv2.rectangle(img, p1, p2, colour, 2)
    for i in range(0, width, 7):  # one-pixel stripes: aliasing makes resize differences visible
        img[: height // 4, i] = 255 - img[: height // 4, i]
    noise = rng.integers(-2, 3, img.shape)  # mild sensor-like noise; more bloats the fixtures
    return np.clip(img.astype(np.int16) + noise, 0, 255).astype(np.uint8)


def write_fixture(path, size, kind, extra, seed):
    width, height = size
    bgr = scene(width, height, seed)
    if kind == "bgr" and "exif_orientation" not in extra:
        params = [cv2.IMWRITE_JPEG_QUALITY, 90]
        if extra.get("progressive"):
            params += [cv2.IMWRITE_JPEG_PROGRESSIVE, 1]
        ok, data = cv2.imencode(".jpg", bgr, params)
        assert ok, path
        data = data.tobytes()
    elif kind == "gray":
        ok, data = cv2.imencode(".jpg", cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY), [cv2.IMWRITE_JPEG_QUALITY, 90])
        assert ok, path
        data = data.tobytes()
    else:
        rgb = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
        buf = io.BytesIO()
        if kind == "cmyk":
            # a real under-colour removal, so K carries detail (PIL's own RGB->CMYK leaves K at 0)
            f = rgb.astype(np.float32) / 255.0
            k = 1.0 - f.max(axis=2)
            denom = np.maximum(1.0 - k, 1e-6)[..., None]
            cmy = (1.0 - f - k[..., None]) / denom
            cmyk = np.concatenate([cmy, k[..., None]], axis=2)
            Image.fromarray(np.round(cmyk * 255).astype(np.uint8), mode="CMYK").save(buf, "JPEG", quality=80)
        else:
            exif = Image.Exif()
            exif[0x0112] = extra["exif_orientation"]
            Image.fromarray(rgb, mode="RGB").save(buf, "JPEG", quality=90, exif=exif.tobytes())
        data = buf.getvalue()
    with open(path, "wb") as f:
        f.write(data)


def resize_with_aspect_ratio(img, crop, scale):
    """MLPerf's arithmetic: the short side becomes int(100*crop/scale), the long side keeps the aspect."""
    height, width, _ = img.shape
    short = int(100.0 * crop / scale)
    if height > width:
        w, h = short, int(short * height / width)
    else:
        h, w = short, int(short * width / height)
    return cv2.resize(img, (w, h), interpolation=cv2.INTER_AREA)


def centre_crop(img, crop):
    height, width, _ = img.shape
    top, bottom = int((height - crop) / 2), int((height + crop) / 2)
    left, right = int((width - crop) / 2), int((width + crop) / 2)
    return img[top:bottom, left:right]


def reference(path, crop, scale):
    img = cv2.imread(path)  # IMREAD_COLOR, as MLPerf: grey and CMYK come out as 3-channel BGR
    if img is None:
        sys.exit(f"reference_crops.py: cv2 cannot decode {path}")
    decoded = img.shape[:2]
    img = cv2.cvtColor(img, cv2.COLOR_BGR2RGB)
    img = resize_with_aspect_ratio(img, crop, scale)
    resized = img.shape[:2]
    out = np.ascontiguousarray(centre_crop(img, crop))
    assert out.shape == (crop, crop, 3), (path, out.shape)
    return out, decoded, resized


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    default = os.path.join(here, "..", "java", "src", "test", "resources", "io", "qtune", "data")
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--resources", default=default, help="test resource folder (default: %(default)s)")
    ap.add_argument("--references-only", action="store_true", help="keep the fixtures, recompute the references")
    args = ap.parse_args()

    fixtures = os.path.join(args.resources, "fixtures")
    refs = os.path.join(args.resources, "reference")
    os.makedirs(fixtures, exist_ok=True)
    os.makedirs(refs, exist_ok=True)
    if not args.references_only:
        for seed, (name, size, kind, extra) in enumerate(FIXTURES):
            write_fixture(os.path.join(fixtures, name), size, kind, extra, seed)

    rows = []
    for name, crop, scale in CASES:
        out, decoded, resized = reference(os.path.join(fixtures, name), crop, scale)
        ref_name = f"{os.path.splitext(name)[0]}_c{crop}_s{scale:g}.png"
        # PNG: lossless, small, and the Java test reads it with ImageIO, independent of the OpenCV under test
        ok, png = cv2.imencode(".png", cv2.cvtColor(out, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_PNG_COMPRESSION, 9])
        assert ok, ref_name
        with open(os.path.join(refs, ref_name), "wb") as f:
            f.write(png.tobytes())
        rows.append([ref_name, name, crop, f"{scale:g}", *decoded, *resized])

    manifest = os.path.join(refs, "manifest.tsv")
    with open(manifest + ".tmp", "w") as f:
        f.write(f"# written by scripts/reference_crops.py with cv2 {cv2.__version__}, numpy {np.__version__}; "
                "each reference is the crop*crop RGB uint8 crop as an 8-bit PNG\n")
        f.write("reference\timage\tcrop\tscale_percent\tdecoded_height\tdecoded_width\tresized_height\tresized_width\n")
        for r in rows:
            f.write("\t".join(str(v) for v in r) + "\n")
    os.replace(manifest + ".tmp", manifest)
    total = sum(os.path.getsize(os.path.join(d, n)) for d in (fixtures, refs) for n in os.listdir(d))
    print(f"reference_crops.py: {len(FIXTURES)} fixtures, {len(rows)} references, {total} bytes in {args.resources}")


if __name__ == "__main__":
    main()
