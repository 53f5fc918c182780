package dev.apollo.tokenizer;

import java.util.List;
import java.util.Random;

/** A few KB of English, the same every run: a paragraph and sentences drawn with a fixed seed. */
final class Corpus {
    static final String PARAGRAPH =
            "The Fulton County Grand Jury said Friday an investigation of Atlanta's recent primary election "
                    + "produced no evidence that any irregularities took place. The jury further said in term-end "
                    + "presentments that the City Executive Committee, which had over-all charge of the election, "
                    + "deserves the praise and thanks of the City of Atlanta for the manner in which the election "
                    + "was conducted. It recommended that Fulton legislators act to have these laws studied and "
                    + "revised to the end of modernizing and improving them.\n\n";

    private static final List<String> WORDS =
            List.of(
                    "the", "a", "jury", "city", "election", "said", "report", "county", "mayor", "voters", "thanks",
                    "praise", "investigation", "primary", "laws", "improving", "studied", "charge", "Atlanta",
                    "Friday", "committee", "evidence", "recent", "conducted", "manner", "of", "in", "and", "to",
                    "was", "it", "that", "which", "had", "have", "these", "them", "for", "no", "any", "1961", "42");

    private Corpus() {}

    static String text() {
        Random random = new Random(7);
        StringBuilder text = new StringBuilder(PARAGRAPH);
        for (int sentence = 0; sentence < 120; sentence++) {
            int length = 5 + random.nextInt(10);
            for (int i = 0; i < length; i++) {
                String word = WORDS.get(random.nextInt(WORDS.size()));
                text.append(i == 0 ? Character.toUpperCase(word.charAt(0)) + word.substring(1) : word);
                text.append(i + 1 < length ? (random.nextInt(8) == 0 ? ", " : " ") : ". ");
            }
            if (sentence % 10 == 9) {
                text.append("\n");
            }
        }
        return text.toString();
    }
}
