package dev.apollo.worker.export;

import com.google.gson.JsonArray;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import dev.apollo.config.ModelConfig;
import dev.apollo.config.Objective;
import dev.apollo.worker.data.ByteTokenizer;
import java.util.List;

/**
 * The byte-level vocabulary as files {@code AutoTokenizer.from_pretrained} loads without custom code: a
 * {@code tokenizer.json} for the {@code tokenizers} library and a {@code tokenizer_config.json} naming
 * {@code PreTrainedTokenizerFast}. The tokenizer is GPT-2's byte-level BPE with no merges: text is UTF-8 encoded,
 * each byte becomes one token, and the token id is the byte value (the vocabulary spells byte b as GPT-2's printable
 * stand-in character for b). BERT adds [PAD]=256, [CLS]=257, [SEP]=258, [MASK]=259 as special tokens; like our
 * training, encoding adds none of them.
 */
final class ByteTokenizerFiles {

    private static final List<String> BERT_SPECIAL_TOKENS = List.of("[PAD]", "[CLS]", "[SEP]", "[MASK]");

    private ByteTokenizerFiles() {}

    /** tokenizer.json. */
    static JsonObject tokenizer(Objective objective) {
        JsonObject tokenizer = new JsonObject();
        tokenizer.addProperty("version", "1.0");
        tokenizer.add("truncation", JsonNull.INSTANCE);
        tokenizer.add("padding", JsonNull.INSTANCE);
        JsonArray added = new JsonArray();
        if (objective == Objective.BERT) {
            for (int i = 0; i < BERT_SPECIAL_TOKENS.size(); i++) {
                JsonObject token = new JsonObject();
                token.addProperty("id", ByteTokenizer.PAD + i);
                token.addProperty("content", BERT_SPECIAL_TOKENS.get(i));
                token.addProperty("single_word", false);
                token.addProperty("lstrip", false);
                token.addProperty("rstrip", false);
                token.addProperty("normalized", false);
                token.addProperty("special", true);
                added.add(token);
            }
        }
        tokenizer.add("added_tokens", added);
        tokenizer.add("normalizer", JsonNull.INSTANCE);
        tokenizer.add("pre_tokenizer", byteLevel());
        tokenizer.add("post_processor", JsonNull.INSTANCE);
        tokenizer.add("decoder", byteLevel());
        JsonObject model = new JsonObject();
        model.addProperty("type", "BPE");
        model.add("dropout", JsonNull.INSTANCE);
        model.add("unk_token", JsonNull.INSTANCE);
        model.add("continuing_subword_prefix", JsonNull.INSTANCE);
        model.add("end_of_word_suffix", JsonNull.INSTANCE);
        model.addProperty("fuse_unk", false);
        model.addProperty("byte_fallback", false);
        JsonObject vocab = new JsonObject();
        for (int b = 0; b < ByteTokenizer.BYTE_VOCAB_SIZE; b++) {
            vocab.addProperty(byteSymbol(b), b);
        }
        model.add("vocab", vocab);
        model.add("merges", new JsonArray());
        tokenizer.add("model", model);
        return tokenizer;
    }

    /** tokenizer_config.json. */
    static JsonObject tokenizerConfig(ModelConfig shape) {
        JsonObject config = new JsonObject();
        config.addProperty("tokenizer_class", "PreTrainedTokenizerFast");
        config.addProperty("model_max_length", shape.seqLen());
        config.addProperty("clean_up_tokenization_spaces", false);
        JsonArray inputs = new JsonArray();
        inputs.add("input_ids");
        if (shape.objective() == Objective.BERT) {
            inputs.add("token_type_ids"); // all zero, matching the zero token type embeddings
            config.addProperty("pad_token", "[PAD]");
            config.addProperty("cls_token", "[CLS]");
            config.addProperty("sep_token", "[SEP]");
            config.addProperty("mask_token", "[MASK]");
        }
        // GPT2Model would add wte(token_type_ids) to its input: the tokenizer must not produce them for GPT.
        inputs.add("attention_mask");
        config.add("model_input_names", inputs);
        return config;
    }

    /**
     * GPT-2's byte-to-character table: printable Latin-1 bytes stand for themselves, the others for the characters
     * from U+0100 upwards in byte order.
     */
    static String byteSymbol(int b) {
        if (isPrintable(b)) {
            return Character.toString(b);
        }
        int below = 0;
        for (int other = 0; other < b; other++) {
            if (!isPrintable(other)) {
                below++;
            }
        }
        return Character.toString(256 + below);
    }

    private static boolean isPrintable(int b) {
        return (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
    }

    private static JsonObject byteLevel() {
        JsonObject byteLevel = new JsonObject();
        byteLevel.addProperty("type", "ByteLevel");
        byteLevel.addProperty("add_prefix_space", false);
        byteLevel.addProperty("trim_offsets", true);
        byteLevel.addProperty("use_regex", true);
        return byteLevel;
    }
}
