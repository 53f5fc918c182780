package dev.apollo.worker.data;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.GZIPOutputStream;

/** Writes small ustar .tgz archives for tests, like the ones npm pack produces. */
final class TarGzFixture {
    private final Map<String, byte[]> entries = new LinkedHashMap<>();
    private String prefixedEntry;

    TarGzFixture add(String name, String content) {
        entries.put(name, content.getBytes(StandardCharsets.UTF_8));
        return this;
    }

    /** Stores this entry's directory in the ustar prefix field instead of the name field. */
    TarGzFixture splitIntoPrefix(String name) {
        prefixedEntry = name;
        return this;
    }

    Path write(Path file) throws IOException {
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(file))) {
            for (Map.Entry<String, byte[]> entry : entries.entrySet()) {
                out.write(header(entry.getKey(), entry.getValue().length));
                out.write(entry.getValue());
                out.write(new byte[(512 - entry.getValue().length % 512) % 512]);
            }
            out.write(new byte[1024]);
        }
        return file;
    }

    private byte[] header(String fullName, int size) {
        byte[] header = new byte[512];
        String name = fullName;
        if (fullName.equals(prefixedEntry)) {
            int slash = fullName.lastIndexOf('/');
            put(header, 345, fullName.substring(0, slash));
            name = fullName.substring(slash + 1);
        }
        put(header, 0, name);
        put(header, 100, "0000644");
        put(header, 108, "0000000");
        put(header, 116, "0000000");
        put(header, 124, String.format("%011o", size));
        put(header, 136, "00000000000");
        header[156] = '0';
        put(header, 257, "ustar");
        put(header, 263, "00");
        for (int i = 148; i < 156; i++) {
            header[i] = ' ';
        }
        int checksum = 0;
        for (byte b : header) {
            checksum += Byte.toUnsignedInt(b);
        }
        put(header, 148, String.format("%06o", checksum));
        header[154] = 0;
        return header;
    }

    private static void put(byte[] header, int offset, String value) {
        byte[] bytes = value.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(bytes, 0, header, offset, bytes.length);
    }
}
