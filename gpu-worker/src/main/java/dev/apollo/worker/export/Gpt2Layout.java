package dev.apollo.worker.export;

import static dev.apollo.protocol.TensorNames.ATTN_PROJ_BIAS;
import static dev.apollo.protocol.TensorNames.ATTN_PROJ_WEIGHT;
import static dev.apollo.protocol.TensorNames.ATTN_QKV_BIAS;
import static dev.apollo.protocol.TensorNames.ATTN_QKV_WEIGHT;
import static dev.apollo.protocol.TensorNames.FINAL_NORM_BIAS;
import static dev.apollo.protocol.TensorNames.FINAL_NORM_WEIGHT;
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

import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import dev.apollo.config.ModelConfig;
import dev.apollo.protocol.TensorNames;
import java.util.ArrayList;
import java.util.List;

/**
 * Our GPT as {@code GPT2LMHeadModel}. The architectures agree: pre-LN blocks with learned positions, biases on
 * every linear layer and norm, attention scaled by 1/sqrt(head_dim), the exact (erf) GELU ("gelu"; "gelu_new"
 * would be the tanh approximation), the output head tied to the token embedding. GPT-2's Conv1D stores linear
 * weights [in, out], the transpose of ours; its fused c_attn holds q|k|v along the output as our qkv does.
 */
final class Gpt2Layout implements HfLayout {

    @Override
    public String modelType() {
        return "gpt2";
    }

    @Override
    public String architecture() {
        return "GPT2LMHeadModel";
    }

    @Override
    public String depthKey() {
        return "n_layer";
    }

    @Override
    public List<String> shapeKeys() {
        return List.of("vocab_size", "n_positions", "n_embd", "n_head", "n_inner", "activation_function",
                "layer_norm_epsilon", "scale_attn_weights", "scale_attn_by_inverse_layer_idx", "tie_word_embeddings");
    }

    @Override
    public List<HfTensor> tensors(ModelConfig shape, int depth) {
        long d = shape.dModel();
        long ffn = shape.ffnDim();
        List<HfTensor> tensors = new ArrayList<>();
        tensors.add(HfTensor.same("transformer.wte.weight", TOKEN_EMBEDDING, shape.vocabSize(), d));
        tensors.add(HfTensor.same("transformer.wpe.weight", POSITION_EMBEDDING, shape.seqLen(), d));
        for (int i = 0; i < depth; i++) {
            String hf = "transformer.h." + i + ".";
            String ours = TensorNames.blockPrefix(i);
            tensors.add(HfTensor.same(hf + "ln_1.weight", ours + NORM1_WEIGHT, d));
            tensors.add(HfTensor.same(hf + "ln_1.bias", ours + NORM1_BIAS, d));
            tensors.add(HfTensor.transposed(hf + "attn.c_attn.weight", ours + ATTN_QKV_WEIGHT, d, 3 * d));
            tensors.add(HfTensor.same(hf + "attn.c_attn.bias", ours + ATTN_QKV_BIAS, 3 * d));
            tensors.add(HfTensor.transposed(hf + "attn.c_proj.weight", ours + ATTN_PROJ_WEIGHT, d, d));
            tensors.add(HfTensor.same(hf + "attn.c_proj.bias", ours + ATTN_PROJ_BIAS, d));
            tensors.add(HfTensor.same(hf + "ln_2.weight", ours + NORM2_WEIGHT, d));
            tensors.add(HfTensor.same(hf + "ln_2.bias", ours + NORM2_BIAS, d));
            tensors.add(HfTensor.transposed(hf + "mlp.c_fc.weight", ours + MLP_FC_WEIGHT, d, ffn));
            tensors.add(HfTensor.same(hf + "mlp.c_fc.bias", ours + MLP_FC_BIAS, ffn));
            tensors.add(HfTensor.transposed(hf + "mlp.c_proj.weight", ours + MLP_PROJ_WEIGHT, ffn, d));
            tensors.add(HfTensor.same(hf + "mlp.c_proj.bias", ours + MLP_PROJ_BIAS, d));
        }
        tensors.add(HfTensor.same("transformer.ln_f.weight", FINAL_NORM_WEIGHT, d));
        tensors.add(HfTensor.same("transformer.ln_f.bias", FINAL_NORM_BIAS, d));
        return tensors;
    }

    @Override
    public JsonObject config(ModelConfig shape, int depth) {
        JsonObject config = configHeader();
        config.addProperty("vocab_size", shape.vocabSize());
        config.addProperty("n_positions", shape.seqLen());
        config.addProperty("n_ctx", shape.seqLen()); // read by transformers versions before n_positions existed
        config.addProperty("n_embd", shape.dModel());
        config.addProperty("n_layer", depth);
        config.addProperty("n_head", shape.heads());
        config.addProperty("n_inner", shape.ffnDim());
        config.addProperty("activation_function", "gelu");
        config.addProperty("layer_norm_epsilon", shape.layerNormEps());
        config.addProperty("scale_attn_weights", true);
        config.addProperty("scale_attn_by_inverse_layer_idx", false);
        config.addProperty("reorder_and_upcast_attn", false);
        // Our model has no dropout; zero keeps a fine-tuned copy computing the same function.
        config.addProperty("resid_pdrop", 0.0);
        config.addProperty("embd_pdrop", 0.0);
        config.addProperty("attn_pdrop", 0.0);
        config.addProperty("initializer_range", shape.initStd());
        config.addProperty("tie_word_embeddings", true);
        // GPT2Config defaults these to 50256, outside a byte vocabulary; bytes have no BOS or EOS.
        config.add("bos_token_id", JsonNull.INSTANCE);
        config.add("eos_token_id", JsonNull.INSTANCE);
        config.addProperty("use_cache", true);
        config.addProperty("torch_dtype", "float32");
        return config;
    }
}
