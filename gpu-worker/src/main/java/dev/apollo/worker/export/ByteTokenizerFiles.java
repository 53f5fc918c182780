package dev.apollo.worker.export;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.apollo.config.ModelConfig;
import dev.apollo.config.Objective;
import dev.apollo.tokenizer.TokenizerJson;
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

    /** tokenizer.json: GPT-2's byte-level BPE without merges, BERT's four special tokens after the bytes. */
    static String tokenizer(Objective objective) {
        return TokenizerJson.bytes(objective == Objective.BERT ? BERT_SPECIAL_TOKENS : List.of());
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
}
