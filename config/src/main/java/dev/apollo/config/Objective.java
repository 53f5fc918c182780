package dev.apollo.config;

/** Training objective: causal language modelling (pre-LN GPT) or masked language modelling (post-LN BERT). */
public enum Objective {
    GPT,
    BERT
}
