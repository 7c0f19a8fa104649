package io.qtune.data;

/**
 * A structural check of a JPEG file, the cases where libjpeg would warn ("Corrupt JPEG data: ... extraneous bytes
 * before marker", "Premature end of JPEG file") and still hand back an image made partly of grey or garbage: marker
 * segments whose lengths fit the file, a frame header and a scan, entropy-coded data holding only the sequences it
 * may hold (FF00 stuffing, RST0-7, fill bytes), and the end-of-image marker. It does not decode: a scan whose
 * Huffman codes are wrong but whose bytes are well-formed passes here (libjpeg may still warn on it). Files that
 * are not JPEG (no FFD8FF signature) are not judged here.
 */
final class JpegStructure {
    private JpegStructure() {}

    static boolean isJpeg(byte[] b) {
        return b.length >= 3 && (b[0] & 0xFF) == 0xFF && (b[1] & 0xFF) == 0xD8 && (b[2] & 0xFF) == 0xFF;
    }

    /** Null when the JPEG is whole, else why it is damaged (one phrase). Not-JPEG bytes give null. */
    static String damage(byte[] b) {
        if (!isJpeg(b)) return null;
        int n = b.length, i = 2;
        boolean frame = false, scan = false;
        while (true) {
            // a marker: one or more FF fill bytes, then the code
            if (i >= n) return "cut short before the end-of-image marker";
            if ((b[i] & 0xFF) != 0xFF) return "bytes that are not a marker at offset " + i;
            while (i < n && (b[i] & 0xFF) == 0xFF) i++;
            if (i >= n) return "cut short before the end-of-image marker";
            int code = b[i++] & 0xFF;
            if (code == 0xD9) return frame && scan ? null : "ends before any image data";
            if (code == 0x01 || (code >= 0xD0 && code <= 0xD7)) continue; // TEM and RSTn stand alone
            if (code == 0x00 || code == 0xD8) return "a misplaced marker 0x" + Integer.toHexString(code) + " at offset " + (i - 1);
            if (i + 2 > n) return "cut short inside a marker segment";
            int len = ((b[i] & 0xFF) << 8) | (b[i + 1] & 0xFF);
            if (len < 2 || i + len > n) return "cut short inside a marker segment (0x" + Integer.toHexString(code) + " at offset " + (i - 2) + ")";
            if ((code >= 0xC0 && code <= 0xCF) && code != 0xC4 && code != 0xC8 && code != 0xCC) frame = true;
            i += len;
            if (code != 0xDA) continue;
            if (!frame) return "a scan before the frame header";
            scan = true;
            // entropy-coded data runs to the next marker that is not stuffing or a restart
            while (true) {
                while (i < n && (b[i] & 0xFF) != 0xFF) i++;
                if (i + 1 >= n) return "cut short inside the image data";
                int j = i + 1;
                while (j < n && (b[j] & 0xFF) == 0xFF) j++;
                if (j >= n) return "cut short inside the image data";
                int next = b[j] & 0xFF;
                if (next == 0x00 || (next >= 0xD0 && next <= 0xD7)) {
                    i = j + 1;
                    continue;
                }
                // legal after a scan: end of image, or the tables and scans of the next progressive pass
                if (next == 0xD9 || next == 0xDA || next == 0xC4 || next == 0xDB || next == 0xDD || next == 0xCC
                        || (next >= 0xE0 && next <= 0xEF) || next == 0xFE || next == 0xDC) {
                    i = j - 1;
                    break;
                }
                return "garbage in the image data (marker 0x" + Integer.toHexString(next) + " at offset " + j + ")";
            }
        }
    }
}
