package dev.apollo.tokenizer;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import java.util.List;

/**
 * Writes a trained vocabulary as the Hugging Face {@code tokenizer.json} its library loads unchanged:
 * GPT-2's pipeline for BPE, bert-base's for WordPiece. Fields are written in a fixed order, so the
 * same vocabulary always gives the same bytes.
 */
public final class TokenizerJson {
    /** Nulls written, as Hugging Face writes them; no HTML escaping, so {@code <|endoftext|>} stays readable. */
    private static final Gson GSON =
            new GsonBuilder().setPrettyPrinting().serializeNulls().disableHtmlEscaping().create();

    private TokenizerJson() {}

    /** GPT-2: byte-level pre-tokenizer, post-processor and decoder; no normalizer; no special tokens added. */
    public static String bpe(BpeVocabulary vocabulary) {
        List<String> tokens = vocabulary.tokens();
        JsonObject model = bpeModel();
        model.addProperty("ignore_merges", false);
        model.add("vocab", vocab(tokens));
        JsonArray merges = new JsonArray();
        // "left right": byte-level symbols never hold a space, and every library version reads this form.
        vocabulary.merges().forEach(m -> merges.add(m.left() + " " + m.right()));
        model.add("merges", merges);

        JsonArray added = new JsonArray();
        added.add(addedToken(tokens.indexOf(vocabulary.endOfText()), vocabulary.endOfText()));
        return write(added, JsonNull.INSTANCE, byteLevel(), byteLevel(), byteLevel(), model);
    }

    /**
     * The byte vocabulary as a BPE without merges: token id b is byte b, spelled in GPT-2's byte alphabet, and
     * {@code specialTokens} follow as ids 256, 257, ... No post-processor, so nothing is added to the text.
     */
    public static String bytes(List<String> specialTokens) {
        JsonArray added = new JsonArray();
        for (int i = 0; i < specialTokens.size(); i++) {
            added.add(addedToken(256 + i, specialTokens.get(i)));
        }
        JsonObject model = bpeModel();
        JsonObject vocab = new JsonObject();
        for (int b = 0; b < 256; b++) {
            vocab.addProperty(String.valueOf(ByteLevel.BYTE_CHARS[b]), b);
        }
        model.add("vocab", vocab);
        model.add("merges", new JsonArray());
        return write(added, JsonNull.INSTANCE, byteLevel(), JsonNull.INSTANCE, byteLevel(), model);
    }

    /** bert-base: BERT normalizer and pre-tokenizer, [CLS] $A [SEP] (and $B [SEP]) added, ## decoder. */
    public static String wordPiece(WordPieceVocabulary vocabulary) {
        List<String> tokens = vocabulary.tokens();
        JsonArray added = new JsonArray();
        WordPieceVocabulary.SPECIAL_TOKENS.forEach(t -> added.add(addedToken(tokens.indexOf(t), t)));

        JsonObject normalizer = type("BertNormalizer");
        normalizer.addProperty("clean_text", true);
        normalizer.addProperty("handle_chinese_chars", true);
        normalizer.addProperty("strip_accents", vocabulary.lowercase());
        normalizer.addProperty("lowercase", vocabulary.lowercase());

        JsonObject postProcessor = type("TemplateProcessing");
        String cls = WordPieceVocabulary.CLS;
        String sep = WordPieceVocabulary.SEP;
        JsonArray single = new JsonArray();
        single.add(piece("SpecialToken", cls, 0));
        single.add(piece("Sequence", "A", 0));
        single.add(piece("SpecialToken", sep, 0));
        JsonArray pair = single.deepCopy();
        pair.add(piece("Sequence", "B", 1));
        pair.add(piece("SpecialToken", sep, 1));
        postProcessor.add("single", single);
        postProcessor.add("pair", pair);
        JsonObject specials = new JsonObject();
        for (String t : List.of(cls, sep)) {
            JsonObject special = new JsonObject();
            special.addProperty("id", t);
            JsonArray ids = new JsonArray();
            ids.add(tokens.indexOf(t));
            special.add("ids", ids);
            JsonArray names = new JsonArray();
            names.add(t);
            special.add("tokens", names);
            specials.add(t, special);
        }
        postProcessor.add("special_tokens", specials);

        JsonObject decoder = type("WordPiece");
        decoder.addProperty("prefix", WordPieceVocabulary.CONTINUATION);
        decoder.addProperty("cleanup", true);

        JsonObject model = type("WordPiece");
        model.addProperty("unk_token", WordPieceVocabulary.UNK);
        model.addProperty("continuing_subword_prefix", WordPieceVocabulary.CONTINUATION);
        model.addProperty("max_input_chars_per_word", 100);
        model.add("vocab", vocab(tokens));
        return write(added, normalizer, type("BertPreTokenizer"), postProcessor, decoder, model);
    }

    private static String write(
            JsonArray addedTokens,
            JsonElement normalizer,
            JsonObject preTokenizer,
            JsonElement postProcessor,
            JsonObject decoder,
            JsonObject model) {
        JsonObject root = new JsonObject();
        root.addProperty("version", "1.0");
        root.add("truncation", JsonNull.INSTANCE);
        root.add("padding", JsonNull.INSTANCE);
        root.add("added_tokens", addedTokens);
        root.add("normalizer", normalizer);
        root.add("pre_tokenizer", preTokenizer);
        root.add("post_processor", postProcessor);
        root.add("decoder", decoder);
        root.add("model", model);
        return GSON.toJson(root) + "\n";
    }

    /** A BPE model's settings before its vocabulary: no dropout, unknown token, affixes or byte fallback. */
    private static JsonObject bpeModel() {
        JsonObject model = type("BPE");
        model.add("dropout", JsonNull.INSTANCE);
        model.add("unk_token", JsonNull.INSTANCE);
        model.add("continuing_subword_prefix", JsonNull.INSTANCE);
        model.add("end_of_word_suffix", JsonNull.INSTANCE);
        model.addProperty("fuse_unk", false);
        model.addProperty("byte_fallback", false);
        return model;
    }

    private static JsonObject vocab(List<String> tokens) {
        JsonObject vocab = new JsonObject();
        for (int id = 0; id < tokens.size(); id++) {
            vocab.addProperty(tokens.get(id), id);
        }
        return vocab;
    }

    /** No prefix space, so text decodes back exactly as it was. */
    private static JsonObject byteLevel() {
        JsonObject o = type("ByteLevel");
        o.addProperty("add_prefix_space", false);
        o.addProperty("trim_offsets", true);
        o.addProperty("use_regex", true);
        return o;
    }

    private static JsonObject addedToken(int id, String content) {
        JsonObject o = new JsonObject();
        o.addProperty("id", id);
        o.addProperty("content", content);
        o.addProperty("single_word", false);
        o.addProperty("lstrip", false);
        o.addProperty("rstrip", false);
        o.addProperty("normalized", false);
        o.addProperty("special", true);
        return o;
    }

    private static JsonObject piece(String kind, String id, int typeId) {
        JsonObject inner = new JsonObject();
        inner.addProperty("id", id);
        inner.addProperty("type_id", typeId);
        JsonObject o = new JsonObject();
        o.add(kind, inner);
        return o;
    }

    private static JsonObject type(String type) {
        JsonObject o = new JsonObject();
        o.addProperty("type", type);
        return o;
    }
}
