package dev.apollo.worker.export;

import static dev.apollo.protocol.TensorNames.ATTN_PROJ_BIAS;
import static dev.apollo.protocol.TensorNames.ATTN_PROJ_WEIGHT;
import static dev.apollo.protocol.TensorNames.ATTN_QKV_BIAS;
import static dev.apollo.protocol.TensorNames.ATTN_QKV_WEIGHT;
import static dev.apollo.protocol.TensorNames.EMBEDDING_NORM_BIAS;
import static dev.apollo.protocol.TensorNames.EMBEDDING_NORM_WEIGHT;
import static dev.apollo.protocol.TensorNames.MLM_BIAS;
import static dev.apollo.protocol.TensorNames.MLM_DENSE_BIAS;
import static dev.apollo.protocol.TensorNames.MLM_DENSE_WEIGHT;
import static dev.apollo.protocol.TensorNames.MLM_NORM_BIAS;
import static dev.apollo.protocol.TensorNames.MLM_NORM_WEIGHT;
import static dev.apollo.protocol.TensorNames.MLP_FC_BIAS;
import static dev.apollo.protocol.TensorNames.MLP_FC_WEIGHT;
import static dev.apollo.protocol.TensorNames.MLP_PROJ_BIAS;
import static dev.apollo.protocol.TensorNames.MLP_PROJ_WEIGHT;
import static dev.apollo.protocol.TensorNames.NORM1_BIAS;
import static dev.apollo.protocol.TensorNames.NORM1_WEIGHT;
import static dev.apollo.protocol.TensorNames.NORM2_BIAS;
import static dev.apollo.protocol.TensorNames.NORM2_WEIGHT;
import static dev.apollo.protocol.TensorNames.POSITION_EMBEDDING;
import static dev.apollo.protocol.TensorNames.TOKEN_EMBEDDING;

import com.google.gson.JsonObject;
import dev.apollo.config.ModelConfig;
import dev.apollo.protocol.TensorNames;
import dev.apollo.worker.data.ByteTokenizer;
import java.util.ArrayList;
import java.util.List;

/**
 * Our BERT as {@code BertForMaskedLM}. The architectures agree: post-LN layers after an embedding LayerNorm,
 * learned absolute positions, separate query/key/value projections (our fused qkv split by rows, q, k, v in
 * that order), the exact (erf) GELU, the prediction head (dense, GELU, LayerNorm, decoder tied to the word
 * embeddings plus a bias). Ours has no token type embeddings: they are written as zeros, which adds nothing.
 * The layer norm epsilon is written because BERT's default (1e-12) is not ours.
 */
final class BertLayout implements HfLayout {

    /** token_type_embeddings rows: BertConfig's default type_vocab_size. */
    private static final int TOKEN_TYPES = 2;

    @Override
    public String modelType() {
        return "bert";
    }

    @Override
    public String architecture() {
        return "BertForMaskedLM";
    }

    @Override
    public String depthKey() {
        return "num_hidden_layers";
    }

    @Override
    public List<String> shapeKeys() {
        return List.of("vocab_size", "hidden_size", "num_attention_heads", "intermediate_size", "hidden_act",
                "max_position_embeddings", "type_vocab_size", "layer_norm_eps", "position_embedding_type",
                "tie_word_embeddings");
    }

    @Override
    public List<HfTensor> tensors(ModelConfig shape, int depth) {
        long d = shape.dModel();
        long ffn = shape.ffnDim();
        List<HfTensor> tensors = new ArrayList<>();
        tensors.add(HfTensor.same("bert.embeddings.word_embeddings.weight", TOKEN_EMBEDDING, shape.vocabSize(), d));
        tensors.add(HfTensor.same("bert.embeddings.position_embeddings.weight", POSITION_EMBEDDING, shape.seqLen(), d));
        tensors.add(HfTensor.zeros("bert.embeddings.token_type_embeddings.weight", TOKEN_TYPES, d));
        tensors.add(HfTensor.same("bert.embeddings.LayerNorm.weight", EMBEDDING_NORM_WEIGHT, d));
        tensors.add(HfTensor.same("bert.embeddings.LayerNorm.bias", EMBEDDING_NORM_BIAS, d));
        for (int i = 0; i < depth; i++) {
            String hf = "bert.encoder.layer." + i + ".";
            String ours = TensorNames.blockPrefix(i);
            String[] projections = {"query", "key", "value"};
            for (int p = 0; p < projections.length; p++) {
                String name = hf + "attention.self." + projections[p];
                tensors.add(HfTensor.rows(name + ".weight", ours + ATTN_QKV_WEIGHT, p * d, d, d));
                tensors.add(HfTensor.rows(name + ".bias", ours + ATTN_QKV_BIAS, p * d, d));
            }
            tensors.add(HfTensor.same(hf + "attention.output.dense.weight", ours + ATTN_PROJ_WEIGHT, d, d));
            tensors.add(HfTensor.same(hf + "attention.output.dense.bias", ours + ATTN_PROJ_BIAS, d));
            tensors.add(HfTensor.same(hf + "attention.output.LayerNorm.weight", ours + NORM1_WEIGHT, d));
            tensors.add(HfTensor.same(hf + "attention.output.LayerNorm.bias", ours + NORM1_BIAS, d));
            tensors.add(HfTensor.same(hf + "intermediate.dense.weight", ours + MLP_FC_WEIGHT, ffn, d));
            tensors.add(HfTensor.same(hf + "intermediate.dense.bias", ours + MLP_FC_BIAS, ffn));
            tensors.add(HfTensor.same(hf + "output.dense.weight", ours + MLP_PROJ_WEIGHT, d, ffn));
            tensors.add(HfTensor.same(hf + "output.dense.bias", ours + MLP_PROJ_BIAS, d));
            tensors.add(HfTensor.same(hf + "output.LayerNorm.weight", ours + NORM2_WEIGHT, d));
            tensors.add(HfTensor.same(hf + "output.LayerNorm.bias", ours + NORM2_BIAS, d));
        }
        tensors.add(HfTensor.same("cls.predictions.transform.dense.weight", MLM_DENSE_WEIGHT, d, d));
        tensors.add(HfTensor.same("cls.predictions.transform.dense.bias", MLM_DENSE_BIAS, d));
        tensors.add(HfTensor.same("cls.predictions.transform.LayerNorm.weight", MLM_NORM_WEIGHT, d));
        tensors.add(HfTensor.same("cls.predictions.transform.LayerNorm.bias", MLM_NORM_BIAS, d));
        tensors.add(HfTensor.same("cls.predictions.bias", MLM_BIAS, shape.vocabSize()));
        return tensors;
    }

    @Override
    public JsonObject config(ModelConfig shape, int depth) {
        JsonObject config = configHeader();
        config.addProperty("vocab_size", shape.vocabSize());
        config.addProperty("hidden_size", shape.dModel());
        config.addProperty("num_hidden_layers", depth);
        config.addProperty("num_attention_heads", shape.heads());
        config.addProperty("intermediate_size", shape.ffnDim());
        config.addProperty("hidden_act", "gelu");
        config.addProperty("max_position_embeddings", shape.seqLen());
        config.addProperty("type_vocab_size", TOKEN_TYPES);
        config.addProperty("layer_norm_eps", shape.layerNormEps());
        config.addProperty("position_embedding_type", "absolute");
        // Our model has no dropout; zero keeps a fine-tuned copy computing the same function.
        config.addProperty("hidden_dropout_prob", 0.0);
        config.addProperty("attention_probs_dropout_prob", 0.0);
        config.addProperty("initializer_range", shape.initStd());
        config.addProperty("pad_token_id", ByteTokenizer.PAD);
        config.addProperty("tie_word_embeddings", true);
        config.addProperty("torch_dtype", "float32");
        return config;
    }
}
