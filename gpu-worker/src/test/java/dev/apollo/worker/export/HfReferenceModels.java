package dev.apollo.worker.export;

import com.google.gson.JsonObject;
import dev.apollo.protocol.NamedTensor;
import java.util.Map;

/**
 * The forward passes of transformers' GPT2LMHeadModel and BertForMaskedLM written from their definitions in plain
 * Java (double precision), reading only an exported folder's tensors by their Hugging Face names and its
 * config.json: what {@code from_pretrained} would compute from the folder. GPT-2's Conv1D is x·W + b with W
 * [in, out]; BERT's Linear is x·Wᵀ + b with W [out, in].
 */
final class HfReferenceModels {

    private final Map<String, NamedTensor> tensors;
    private final JsonObject config;
    private final boolean tanhGelu;

    /** {@code tanhGelu}: compute with the tanh approximation ("gelu_new") instead, to show the difference matters. */
    HfReferenceModels(Map<String, NamedTensor> tensors, JsonObject config, boolean tanhGelu) {
        this.tensors = tensors;
        this.config = config;
        this.tanhGelu = tanhGelu;
    }

    double[][] gpt2Logits(int[] ids) {
        int heads = config.get("n_head").getAsInt();
        double eps = config.get("layer_norm_epsilon").getAsDouble();
        double[][] wte = matrix("transformer.wte.weight");
        double[][] wpe = matrix("transformer.wpe.weight");
        double[][] h = new double[ids.length][];
        for (int t = 0; t < ids.length; t++) {
            h[t] = add(wte[ids[t]], wpe[t]);
        }
        for (int i = 0; i < config.get("n_layer").getAsInt(); i++) {
            String p = "transformer.h." + i + ".";
            double[][] a = layerNorm(h, p + "ln_1", eps);
            double[][] qkv = conv1d(a, p + "attn.c_attn");
            int d = h[0].length;
            double[][] mixed = attention(columns(qkv, 0, d), columns(qkv, d, 2 * d), columns(qkv, 2 * d, 3 * d),
                    heads, true);
            h = add(h, conv1d(mixed, p + "attn.c_proj"));
            double[][] m = layerNorm(h, p + "ln_2", eps);
            h = add(h, conv1d(gelu(conv1d(m, p + "mlp.c_fc")), p + "mlp.c_proj"));
        }
        return multiplyTransposed(layerNorm(h, "transformer.ln_f", eps), wte); // tied lm_head
    }

    double[][] bertLogits(int[] ids) {
        int heads = config.get("num_attention_heads").getAsInt();
        double eps = config.get("layer_norm_eps").getAsDouble();
        double[][] words = matrix("bert.embeddings.word_embeddings.weight");
        double[][] positions = matrix("bert.embeddings.position_embeddings.weight");
        double[] tokenType = matrix("bert.embeddings.token_type_embeddings.weight")[0]; // token_type_ids default to 0
        double[][] e = new double[ids.length][];
        for (int t = 0; t < ids.length; t++) {
            e[t] = add(add(words[ids[t]], tokenType), positions[t]);
        }
        double[][] h = layerNorm(e, "bert.embeddings.LayerNorm", eps);
        for (int i = 0; i < config.get("num_hidden_layers").getAsInt(); i++) {
            String p = "bert.encoder.layer." + i + ".";
            double[][] context = attention(linear(h, p + "attention.self.query"), linear(h, p + "attention.self.key"),
                    linear(h, p + "attention.self.value"), heads, false);
            double[][] a = layerNorm(add(linear(context, p + "attention.output.dense"), h),
                    p + "attention.output.LayerNorm", eps);
            double[][] intermediate = gelu(linear(a, p + "intermediate.dense"));
            h = layerNorm(add(linear(intermediate, p + "output.dense"), a), p + "output.LayerNorm", eps);
        }
        double[][] transformed = layerNorm(gelu(linear(h, "cls.predictions.transform.dense")),
                "cls.predictions.transform.LayerNorm", eps);
        double[][] logits = multiplyTransposed(transformed, words); // decoder tied to the word embeddings
        double[] bias = vector("cls.predictions.bias");
        for (double[] row : logits) {
            for (int v = 0; v < row.length; v++) {
                row[v] += bias[v];
            }
        }
        return logits;
    }

    private double[][] attention(double[][] q, double[][] k, double[][] v, int heads, boolean causal) {
        int time = q.length;
        int d = q[0].length;
        int headDim = d / heads;
        double[][] out = new double[time][d];
        for (int head = 0; head < heads; head++) {
            int offset = head * headDim;
            for (int t = 0; t < time; t++) {
                int visible = causal ? t + 1 : time;
                double[] scores = new double[visible];
                double max = Double.NEGATIVE_INFINITY;
                for (int s = 0; s < visible; s++) {
                    double dot = 0;
                    for (int j = 0; j < headDim; j++) {
                        dot += q[t][offset + j] * k[s][offset + j];
                    }
                    scores[s] = dot / Math.sqrt(headDim);
                    max = Math.max(max, scores[s]);
                }
                double total = 0;
                for (int s = 0; s < visible; s++) {
                    scores[s] = Math.exp(scores[s] - max);
                    total += scores[s];
                }
                for (int s = 0; s < visible; s++) {
                    for (int j = 0; j < headDim; j++) {
                        out[t][offset + j] += scores[s] / total * v[s][offset + j];
                    }
                }
            }
        }
        return out;
    }

    private double[][] conv1d(double[][] x, String prefix) {
        double[][] weight = matrix(prefix + ".weight"); // [in, out]
        double[] bias = vector(prefix + ".bias");
        double[][] out = new double[x.length][bias.length];
        for (int t = 0; t < x.length; t++) {
            for (int o = 0; o < bias.length; o++) {
                double sum = bias[o];
                for (int i = 0; i < x[t].length; i++) {
                    sum += x[t][i] * weight[i][o];
                }
                out[t][o] = sum;
            }
        }
        return out;
    }

    private double[][] linear(double[][] x, String prefix) {
        double[][] out = multiplyTransposed(x, matrix(prefix + ".weight")); // weight [out, in]
        double[] bias = vector(prefix + ".bias");
        for (double[] row : out) {
            for (int o = 0; o < bias.length; o++) {
                row[o] += bias[o];
            }
        }
        return out;
    }

    private double[][] layerNorm(double[][] x, String prefix, double eps) {
        double[] weight = vector(prefix + ".weight");
        double[] bias = vector(prefix + ".bias");
        double[][] out = new double[x.length][];
        for (int t = 0; t < x.length; t++) {
            double mean = 0;
            for (double value : x[t]) {
                mean += value / x[t].length;
            }
            double variance = 0;
            for (double value : x[t]) {
                variance += (value - mean) * (value - mean) / x[t].length; // biased, as torch's layer_norm
            }
            out[t] = new double[x[t].length];
            for (int i = 0; i < x[t].length; i++) {
                out[t][i] = (x[t][i] - mean) / Math.sqrt(variance + eps) * weight[i] + bias[i];
            }
        }
        return out;
    }

    private double[][] gelu(double[][] x) {
        double[][] out = new double[x.length][];
        for (int t = 0; t < x.length; t++) {
            out[t] = new double[x[t].length];
            for (int i = 0; i < x[t].length; i++) {
                out[t][i] = tanhGelu ? geluTanh(x[t][i]) : geluExact(x[t][i]);
            }
        }
        return out;
    }

    /** torch.nn.functional.gelu, transformers' "gelu": x·Φ(x). */
    static double geluExact(double x) {
        return 0.5 * x * (1 + erf(x / Math.sqrt(2)));
    }

    /** transformers' "gelu_new". */
    static double geluTanh(double x) {
        return 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x)));
    }

    /** The Maclaurin series, to double precision for |z| <= 5; beyond, erf is ±1 to within 2e-12. */
    static double erf(double z) {
        if (Math.abs(z) > 5) {
            return Math.signum(z);
        }
        double term = z;
        double sum = z;
        for (int n = 1; n < 200 && Math.abs(term) > 1e-17 * Math.abs(sum); n++) {
            term *= -z * z / n;
            sum += term / (2 * n + 1);
        }
        return 2 / Math.sqrt(Math.PI) * sum;
    }

    private double[][] matrix(String name) {
        NamedTensor tensor = tensors.get(name);
        int rows = (int) tensor.shape()[0];
        int columns = (int) tensor.shape()[1];
        double[][] matrix = new double[rows][columns];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < columns; c++) {
                matrix[r][c] = tensor.values()[r * columns + c];
            }
        }
        return matrix;
    }

    private double[] vector(String name) {
        float[] values = tensors.get(name).values();
        double[] vector = new double[values.length];
        for (int i = 0; i < values.length; i++) {
            vector[i] = values[i];
        }
        return vector;
    }

    private static double[][] columns(double[][] x, int from, int to) {
        double[][] out = new double[x.length][];
        for (int t = 0; t < x.length; t++) {
            out[t] = java.util.Arrays.copyOfRange(x[t], from, to);
        }
        return out;
    }

    private static double[] add(double[] a, double[] b) {
        double[] sum = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            sum[i] = a[i] + b[i];
        }
        return sum;
    }

    private static double[][] add(double[][] a, double[][] b) {
        double[][] sum = new double[a.length][];
        for (int t = 0; t < a.length; t++) {
            sum[t] = add(a[t], b[t]);
        }
        return sum;
    }

    /** x [T, in] times the transpose of w [out, in]. */
    private static double[][] multiplyTransposed(double[][] x, double[][] w) {
        double[][] out = new double[x.length][w.length];
        for (int t = 0; t < x.length; t++) {
            for (int o = 0; o < w.length; o++) {
                double sum = 0;
                for (int i = 0; i < x[t].length; i++) {
                    sum += x[t][i] * w[o][i];
                }
                out[t][o] = sum;
            }
        }
        return out;
    }
}
