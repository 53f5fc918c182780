package dev.apollo.worker.data;

import dev.apollo.tokenizer.HfTokenizer;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;
import java.util.function.LongConsumer;
import java.util.zip.CRC32C;

/**
 * A corpus's token ids under a tokenizer, computed once and kept in a file that later runs, benchmarks and every
 * worker on the machine memory-map instead of tokenizing again. The file is named by the SHA-256 digests of the
 * corpus and the tokenizer and by the training split's size, and its header repeats all three with a CRC32C of the
 * ids, so a cache of another corpus, tokenizer or split, a truncated file or flipped bits are detected and the
 * cache rebuilt. Ids are stored little-endian in the narrowest of 1, 2 or 4 bytes that holds the vocabulary.
 *
 * <p>The training and validation splits are tokenized separately, so the validation text is the same bytes under
 * every tokenizer. Each split is tokenized on all cores in pieces of about {@link #PIECE_BYTES} cut where the cut
 * changes no id (see {@link #pieces}): the ids are those of the split's text and do not depend on the cores.
 */
public final class TokenCache {
    static final int PIECE_BYTES = 1 << 14;
    private static final byte[] MAGIC = "APOLLOTK".getBytes(StandardCharsets.US_ASCII);
    private static final int VERSION = 1;
    private static final int HEADER_BYTES = 128;
    // Mapped in segments: a MappedByteBuffer holds at most 2 GiB; 2^30 is a multiple of every width.
    private static final int SEGMENT_BYTES = 1 << 30;

    /**
     * The corpus as ids.
     *
     * @param trainTokens where the validation split begins
     * @param trainBytes  the training split's bytes (the validation split is the rest of the corpus)
     * @param built       whether this call tokenized the corpus (false: the cache was read)
     */
    public record Tokens(TokenIds ids, int trainTokens, long trainBytes, long validationBytes, Path file,
            boolean built) {
        public int validationTokens() {
            return ids.length() - trainTokens;
        }
    }

    private TokenCache() {}

    /**
     * The ids of {@code corpus} under {@code tokenizer}, read from {@code directory} or tokenized and written there.
     *
     * @param trainBytes the byte where the validation split begins; moved forward to a UTF-8 character boundary
     * @param progress   told the bytes tokenized as pieces finish (only when the cache is built)
     * @param log        told why a cache found was not used
     */
    public static Tokens load(Path directory, byte[] corpus, long trainBytes, HfTokenizer tokenizer, int threads,
            LongConsumer progress, Consumer<String> log) {
        int split = characterBoundary(corpus, (int) trainBytes);
        byte[] corpusDigest = sha256(corpus);
        byte[] tokenizerDigest = sha256(tokenizer.file().json().getBytes(StandardCharsets.UTF_8));
        Key key = new Key(corpusDigest, tokenizerDigest, split, corpus.length - split);
        Path file = directory.resolve(HexFormat.of().formatHex(corpusDigest, 0, 8) + "-"
                + HexFormat.of().formatHex(tokenizerDigest, 0, 8) + "-" + split + ".tokens");
        if (Files.exists(file)) {
            try {
                return read(file, key);
            } catch (StaleCache e) {
                log.accept("token cache " + file + " " + e.getMessage() + ": tokenizing again");
            }
        }
        int width = width(tokenizer.vocabSize());
        int[][] pieces;
        try {
            pieces = tokenize(corpus, split, tokenizer, threads, progress);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DataError("interrupted while tokenizing the corpus", e);
        }
        long tokens = 0;
        for (int[] piece : pieces) {
            tokens += piece.length;
        }
        if (tokens > Integer.MAX_VALUE) {
            throw new DataError("corpus too large: " + tokens + " tokens (at most " + Integer.MAX_VALUE + ")");
        }
        int trainPieces = pieces(corpus, 0, split).size();
        int trainTokens = 0;
        for (int p = 0; p < trainPieces; p++) {
            trainTokens += pieces[p].length;
        }
        write(directory, file, key, width, pieces, (int) tokens, trainTokens);
        try {
            Tokens written = read(file, key); // mapped, so the ids leave the heap
            return new Tokens(written.ids(), written.trainTokens(), split, corpus.length - split, file, true);
        } catch (StaleCache e) {
            throw new DataError("the token cache just written " + file + " " + e.getMessage(), e);
        }
    }

    /** Bytes per id: 1 up to 256 ids, 2 up to 65,536, else 4. */
    static int width(int vocabSize) {
        return vocabSize <= 1 << 8 ? 1 : vocabSize <= 1 << 16 ? 2 : 4;
    }

    private record Key(byte[] corpusDigest, byte[] tokenizerDigest, long trainBytes, long validationBytes) {}

    /** Why a cache file is not the one wanted; the message completes "token cache FILE ...". */
    private static final class StaleCache extends Exception {
        StaleCache(String message) {
            super(message);
        }
    }

    private static Tokens read(Path file, Key key) throws StaleCache {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = channel.size();
            if (size < HEADER_BYTES) {
                throw new StaleCache("is truncated (" + size + " bytes)");
            }
            ByteBuffer header = ByteBuffer.allocate(HEADER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
            while (header.hasRemaining() && channel.read(header, header.position()) > 0) {
                // read the whole header
            }
            header.flip();
            byte[] magic = new byte[MAGIC.length];
            header.get(magic);
            if (!Arrays.equals(magic, MAGIC) || header.getInt() != VERSION) {
                throw new StaleCache("is not a token cache of this version");
            }
            int width = header.getInt();
            byte[] corpusDigest = new byte[32];
            byte[] tokenizerDigest = new byte[32];
            header.get(corpusDigest).get(tokenizerDigest);
            long trainBytes = header.getLong();
            long validationBytes = header.getLong();
            int trainTokens = header.getInt();
            int tokens = header.getInt();
            int crc = header.getInt();
            if (!Arrays.equals(corpusDigest, key.corpusDigest())
                    || !Arrays.equals(tokenizerDigest, key.tokenizerDigest())
                    || trainBytes != key.trainBytes() || validationBytes != key.validationBytes()) {
                throw new StaleCache("was made from another corpus, tokenizer or split");
            }
            if ((width != 1 && width != 2 && width != 4) || tokens < 0 || trainTokens < 0 || trainTokens > tokens
                    || size != HEADER_BYTES + (long) tokens * width) {
                throw new StaleCache("is truncated or malformed (" + size + " bytes for " + tokens + " ids)");
            }
            List<MappedByteBuffer> segments = new ArrayList<>();
            CRC32C check = new CRC32C();
            long payload = (long) tokens * width;
            for (long offset = 0; offset < payload; offset += SEGMENT_BYTES) {
                MappedByteBuffer segment = channel.map(FileChannel.MapMode.READ_ONLY, HEADER_BYTES + offset,
                        Math.min(SEGMENT_BYTES, payload - offset));
                segment.order(ByteOrder.LITTLE_ENDIAN);
                check.update(segment.duplicate());
                segments.add(segment);
            }
            if ((int) check.getValue() != crc) {
                throw new StaleCache("is corrupt (checksum mismatch)");
            }
            return new Tokens(new MappedIds(segments, width, tokens), trainTokens, trainBytes, validationBytes, file,
                    false);
        } catch (IOException e) {
            throw new StaleCache("cannot be read (" + e.getMessage() + ")");
        }
    }

    private static void write(Path directory, Path file, Key key, int width, int[][] pieces, int tokens,
            int trainTokens) {
        Path temporary = null;
        try {
            Files.createDirectories(directory);
            // Unique, so workers of one machine building the same cache at once do not write into each other.
            temporary = Files.createTempFile(directory, file.getFileName().toString(), ".tmp");
            CRC32C check = new CRC32C();
            try (FileChannel channel = FileChannel.open(temporary, StandardOpenOption.WRITE)) {
                ByteBuffer block = ByteBuffer.allocate(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
                channel.position(HEADER_BYTES);
                for (int[] piece : pieces) {
                    for (int id : piece) {
                        if (block.remaining() < width) {
                            flush(block, channel, check);
                        }
                        switch (width) {
                            case 1 -> block.put((byte) id);
                            case 2 -> block.putShort((short) id);
                            default -> block.putInt(id);
                        }
                    }
                }
                flush(block, channel, check);
                ByteBuffer header = ByteBuffer.allocate(HEADER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
                header.put(MAGIC).putInt(VERSION).putInt(width).put(key.corpusDigest()).put(key.tokenizerDigest())
                        .putLong(key.trainBytes()).putLong(key.validationBytes()).putInt(trainTokens)
                        .putInt(tokens).putInt((int) check.getValue());
                header.position(HEADER_BYTES).flip();
                while (header.hasRemaining()) {
                    channel.write(header, header.position());
                }
                channel.force(true);
            }
            Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new DataError("cannot write the token cache " + file + " (" + e.getMessage() + ")", e);
        } finally {
            if (temporary != null) {
                try {
                    Files.deleteIfExists(temporary);
                } catch (IOException ignored) {
                    // the cache itself is in place or the error above says why not
                }
            }
        }
    }

    private static void flush(ByteBuffer block, FileChannel channel, CRC32C check) throws IOException {
        block.flip();
        check.update(block.duplicate());
        while (block.hasRemaining()) {
            channel.write(block);
        }
        block.clear();
    }

    /** The pieces' ids in corpus order: first the training split's pieces, then the validation split's. */
    private static int[][] tokenize(byte[] corpus, int split, HfTokenizer tokenizer, int threads,
            LongConsumer progress) throws InterruptedException {
        List<int[]> bounds = new ArrayList<>(pieces(corpus, 0, split));
        bounds.addAll(pieces(corpus, split, corpus.length));
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, threads), runnable -> {
            Thread thread = new Thread(runnable, "tokenize");
            thread.setDaemon(true);
            return thread;
        });
        try {
            List<Future<int[]>> futures = new ArrayList<>();
            for (int[] piece : bounds) {
                futures.add(pool.submit(() -> {
                    int[] ids = tokenizer.encode(new String(corpus, piece[0], piece[1] - piece[0],
                            StandardCharsets.UTF_8));
                    progress.accept(piece[1] - piece[0]);
                    return ids;
                }));
            }
            int[][] ids = new int[futures.size()][];
            for (int i = 0; i < ids.length; i++) {
                ids[i] = futures.get(i).get();
            }
            return ids;
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            throw new DataError("the tokenizer failed on the corpus: " + cause, cause);
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * [from, to) cut into pieces of about PIECE_BYTES, each but the last ending before a space that stands between
     * two other characters. Such a space always starts a new pre-token (GPT-2's byte-level split, BERT's whitespace
     * split, SentencePiece's metaspace), so the cuts change no id; the library is about twice as fast on 16 KiB
     * pieces as on megabytes.
     */
    static List<int[]> pieces(byte[] corpus, int from, int to) {
        List<int[]> pieces = new ArrayList<>();
        int start = from;
        while (start < to) {
            int end = Math.min(to, start + PIECE_BYTES);
            while (end < to && !(corpus[end] == ' ' && end + 1 < to && !isSpace(corpus[end - 1])
                    && !isSpace(corpus[end + 1]))) {
                end++;
            }
            pieces.add(new int[] {start, end});
            start = end;
        }
        return pieces;
    }

    private static boolean isSpace(byte b) {
        return b == ' ' || b == '\n' || b == '\r' || b == '\t' || b == 0x0B || b == 0x0C;
    }

    /** {@code index}, or the first UTF-8 character start after it (continuation bytes are 10xxxxxx). */
    private static int characterBoundary(byte[] corpus, int index) {
        while (index < corpus.length && (corpus[index] & 0xC0) == 0x80) {
            index++;
        }
        return index;
    }

    private static byte[] sha256(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }

    /** Ids read straight from the mapped file. */
    private record MappedIds(List<MappedByteBuffer> segments, int width, int length) implements TokenIds {
        @Override
        public int get(int index) {
            long offset = (long) index * width;
            ByteBuffer segment = segments.get((int) (offset / SEGMENT_BYTES));
            int at = (int) (offset % SEGMENT_BYTES);
            return switch (width) {
                case 1 -> Byte.toUnsignedInt(segment.get(at));
                case 2 -> Short.toUnsignedInt(segment.getShort(at));
                default -> segment.getInt(at);
            };
        }
    }
}
