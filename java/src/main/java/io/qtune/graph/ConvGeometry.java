package io.qtune.graph;

import io.qtune.QtuneException;

/**
 * Output size and explicit padding of a convolution or pooling window over NHWC input, following TensorFlow's
 * rules for SAME, VALID and EXPLICIT padding. Paddings are (top, bottom, left, right).
 */
public record ConvGeometry(long strideH, long strideW, long dilationH, long dilationW,
                           long padTop, long padBottom, long padLeft, long padRight, long outH, long outW) {

    public static ConvGeometry of(Node n, long[] nhwc, long kh, long kw) {
        long[] strides = n.attrLongs("strides");
        if (strides.length != 4 || strides[0] != 1 || strides[3] != 1) {
            throw new QtuneException("node '" + n.name() + "' (" + n.op() + "): strides must be [1,h,w,1], got " + java.util.Arrays.toString(strides));
        }
        long[] dil = n.attrLongs("dilations", new long[] {1, 1, 1, 1});
        if (dil.length != 4) {
            throw new QtuneException("node '" + n.name() + "' (" + n.op() + "): dilations must have 4 values, got " + java.util.Arrays.toString(dil));
        }
        if (dil[1] != 1 || dil[2] != 1) {
            throw new QtuneException("node '" + n.name() + "' (" + n.op() + "): dilated convolution is not supported");
        }
        String padding = n.attrString("padding");
        // Intel's quantized convolutions carry explicit pads in padding_list, used whenever any is non-zero
        long[] paddingList = n.attrLongs("padding_list", new long[0]);
        if (java.util.Arrays.stream(paddingList).anyMatch(v -> v != 0)) {
            if (paddingList.length != 8) throw new QtuneException("node '" + n.name() + "': padding_list must have 8 values");
            padding = "PADDING_LIST";
        }
        long h = nhwc[1], w = nhwc[2], sh = strides[1], sw = strides[2];
        long pt, pb, pl, pr;
        switch (padding) {
            case "VALID" -> { pt = pb = pl = pr = 0; }
            case "SAME" -> {
                long oh = (h + sh - 1) / sh, ow = (w + sw - 1) / sw;
                long th = Math.max((oh - 1) * sh + kh - h, 0), tw = Math.max((ow - 1) * sw + kw - w, 0);
                pt = th / 2; pb = th - pt; pl = tw / 2; pr = tw - pl;
            }
            case "EXPLICIT" -> {
                long[] p = n.attrLongs("explicit_paddings");
                if (p.length != 8) throw new QtuneException("node '" + n.name() + "': explicit_paddings must have 8 values");
                pt = p[2]; pb = p[3]; pl = p[4]; pr = p[5];
            }
            case "PADDING_LIST" -> {
                pt = paddingList[2]; pb = paddingList[3]; pl = paddingList[4]; pr = paddingList[5];
            }
            default -> throw new QtuneException("node '" + n.name() + "' (" + n.op() + "): unknown padding '" + padding + "'");
        }
        long oh = (h + pt + pb - kh) / sh + 1, ow = (w + pl + pr - kw) / sw + 1;
        if (h + pt + pb < kh || w + pl + pr < kw) {
            throw new QtuneException("node '" + n.name() + "' (" + n.op() + "): window " + kh + "x" + kw + " is larger than the padded input " + h + "x" + w);
        }
        return new ConvGeometry(sh, sw, 1, 1, pt, pb, pl, pr, oh, ow);
    }

    public boolean hasPadding() {
        return padTop != 0 || padBottom != 0 || padLeft != 0 || padRight != 0;
    }
}
