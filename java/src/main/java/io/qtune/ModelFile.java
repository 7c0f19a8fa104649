package io.qtune;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * Reads a model file with a bound: only a regular file (a FIFO would block the open forever, {@code /dev/zero} would
 * fill the heap), no larger than {@link #MAX_BYTES}, and no more bytes than its size said.
 */
public final class ModelFile {
    /** Protobuf refuses messages of 2 GiB and more; a frozen ResNet50 is about 100 MB. */
    public static final long MAX_BYTES = Integer.MAX_VALUE - 8L;

    private ModelFile() {}

    public static byte[] read(Path file) {
        return read(file, MAX_BYTES);
    }

    static byte[] read(Path file, long maxBytes) {
        BasicFileAttributes a;
        try {
            a = Files.readAttributes(file, BasicFileAttributes.class);
        } catch (NoSuchFileException e) {
            throw new QtuneException(file + ": no such file");
        } catch (IOException e) {
            throw new QtuneException(file + ": cannot read (" + e.getMessage() + ")");
        }
        if (a.isDirectory()) throw new QtuneException(file + ": is a directory, not a model file");
        if (!a.isRegularFile()) throw new QtuneException(file + ": not a regular file (a device, FIFO or socket); give a .pb file");
        if (a.size() > maxBytes) {
            throw new QtuneException(file + ": " + a.size() + " bytes is more than the " + maxBytes + " a GraphDef can hold");
        }
        try (InputStream in = Files.newInputStream(file)) {
            byte[] bytes = in.readNBytes((int) a.size());
            if (in.read() != -1) throw new QtuneException(file + ": the file grew while it was read");
            return bytes;
        } catch (IOException e) {
            throw new QtuneException(file + ": cannot read (" + e.getMessage() + ")");
        }
    }
}
