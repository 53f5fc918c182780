package dev.apollo.config;

/** Interpolation g(l) = floor(l*N/D) (Apollo) or stacking g(l) = l mod N (StackBERT). */
public enum LayerMapKind {
    INTERPOLATION,
    STACKING
}
