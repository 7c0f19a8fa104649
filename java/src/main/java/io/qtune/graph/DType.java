package io.qtune.graph;

import io.qtune.QtuneException;

/** Element types the IR carries, with their TensorFlow DataType enum numbers. */
public enum DType {
    FLOAT(1), INT32(3), UINT8(4), INT8(6), INT64(9), BOOL(10), QINT8(11), QUINT8(12), QINT32(13), BFLOAT16(14);

    public final int tfNumber;

    DType(int tfNumber) {
        this.tfNumber = tfNumber;
    }

    public static DType fromTf(int number, String where) {
        for (DType t : values()) {
            if (t.tfNumber == number) return t;
        }
        throw new QtuneException(where + ": unsupported data type " + number);
    }
}
